"""A JSON fixture serializer that keeps microseconds, for backups.

Django's JSON encoder cuts times to milliseconds (ECMA-262 style), which would make a restored
history differ from the original. The output is plain dumpdata JSON: loaddata reads it with the
standard "json" deserializer.
"""
import datetime

from django.core.serializers.json import Deserializer, DjangoJSONEncoder  # noqa: F401 (module API)
from django.core.serializers.json import Serializer as JSONSerializer

FORMAT = "json_precise"


class PreciseJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but datetimes and times keep all six digits of their fraction."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(JSONSerializer):
    """The JSON fixture serializer with PreciseJSONEncoder."""

    # A private hook, on purpose: dumpdata (which backup runs) passes no json.dump options through, and
    # _init_options is where Django's JSON serializer picks its encoder. tests/admin/test_private_apis.py breaks
    # if Django stops calling it or stops honouring json_kwargs["cls"].
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = PreciseJSONEncoder
