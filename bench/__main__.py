"""python -m bench [--seats 7000,35000,100000] [--runs N] [--import-rows N] [--json FILE] [--profile URL_NAME]
    [--pages PATTERNS] [--http [--http-seconds S] [--http-pages PATTERNS] [--http-json FILE]]
python -m bench --browser [--seats 5000] [--select 500] [--runs N] [--json FILE]   (bench.browser)

Sets up Django with the project's settings (DJANGO_SETTINGS_MODULE, default parkops.settings), then runs the
benchmark command (bench.command) with the same options and exit codes as a management command.
"""
import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--browser"]:  # the planner in chromium, on a database of its own (bench.browser)
        from .browser import main as browser_main

        return browser_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkops.settings")
    import django

    django.setup()
    from .command import Command

    # argv[0:2] make the usage line read "python -m bench".
    Command().run_from_argv(["python -m", "bench", *args])


if __name__ == "__main__":
    main()
