from django.apps import AppConfig


class SmartChargingConfig(AppConfig):
    name = "smartcharging"
    verbose_name = "Smart charging"
