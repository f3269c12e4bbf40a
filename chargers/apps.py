from django.apps import AppConfig


class ChargersConfig(AppConfig):
    name = "chargers"
    verbose_name = "Sites and chargers"
