"""The form renderer: Django's widget templates in their Jinja2 versions, Django's engine for the rest.

Every form field on a page is a widget template rendered on each request; Django ships each widget template
twice, for its own engine and for Jinja2, with the same markup apart from blank lines. The Jinja2 versions
render in about half the time (the floor planner's action form: 1.7 ms, then 1.0 ms). Templates that exist
only for Django's engine (the admin's widgets) are rendered by it as before. The Jinja2 versions win for
every name Django ships: to override a widget template, put it under a jinja2/ folder (or add a Django-engine
name of its own), not under templates/django/forms/.
"""
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class ParkFormRenderer(BaseRenderer):
    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
