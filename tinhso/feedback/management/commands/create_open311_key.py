from django.core.management.base import BaseCommand

from tinhso.feedback.models import Open311ApiKey


class Command(BaseCommand):
    help = "Create an Open311 api_key and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who the key is for, e.g. 'Ứng dụng Đồng Tháp Smart'.")

    def handle(self, *args, name, **options):
        _key, plain = Open311ApiKey.issue(name)
        self.stdout.write(plain)
