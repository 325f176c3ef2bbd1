"""The benchmark harness: synthetic parks of any size in throwaway databases, the main pages and the allocation
services timed against their floors. Measurement tooling beside tests/, not product code: no app installs it
and nothing in parkops imports it. Run it with ``python -m bench --seats 7000,35000 --json bench.json``
(``make bench``).
"""
