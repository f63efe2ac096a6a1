"""``manage.py load_lgsp_demo --key FILE``: the demo's two systems on the integration platform,
through the actions (once; a second run only prints the curl command).

- The provider: the province People's Committee's procedure database, ``CSDL-TTHC``, offering the
  service ``thu-tuc`` — the platform's own public procedure API (``SITE_URL/api/v1/procedures``),
  a real HTTP service of the demo.
- The consumer: the Department of Justice's one-stop system, ``MOTCUA``, with an ES256 key (its
  private key written to ``FILE`` if absent) and a grant to every GET of ``thu-tuc`` for a year,
  requested by the department's leader and approved by the province's leader.
"""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import Membership
from tinhso.agencies.models import Agency
from tinhso.lgsp import actions
from tinhso.lgsp.keys import public_key_pem
from tinhso.lgsp.models import DataClassification, Member, MemberClass, Subsystem

PROVINCE_LEADER, CONSUMER_LEADER = "lanhdao.tinh", "lanhdao.stp"
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Danh mục thủ tục hành chính tỉnh", "version": "1"},
    "paths": {
        "/": {"get": {"summary": "Tìm thủ tục theo từ khóa (q)"}},
        "/fields": {"get": {"summary": "Các lĩnh vực"}},
        "/{code}": {"get": {"summary": "Một thủ tục đầy đủ"}},
    },
}


class Command(BaseCommand):
    help = "Register the demo's provider and consumer systems on the integration platform."

    def add_arguments(self, parser):
        parser.add_argument("--key", required=True, help="Where the consumer's private key (PEM) is kept.")
        parser.add_argument("--gateway", default="", help="The gateway's address, for the printed command.")

    def handle(self, *args, key, gateway, **options):
        key_file = Path(key)
        if not Subsystem.objects.filter(code="MOTCUA", member__member_class=MemberClass.GOV).exists():
            self.register(key_file)
        consumer = Subsystem.objects.select_related("member").get(code="MOTCUA")
        provider = Subsystem.objects.select_related("member").get(code="CSDL-TTHC")
        gateway = gateway or settings.LGSP_GATEWAY_URL
        self.stdout.write("")
        self.stdout.write("Cổng liên thông (LGSP) / integration gateway: " + f"{gateway}/r1/")
        self.stdout.write("Gọi thử / try it (mỗi lệnh một assertion mới / a fresh assertion per call):")
        self.stdout.write(
            f"  ASSERTION=$(TINHSO_DEMO=1 .venv/bin/python manage.py lgsp_assertion "
            f"--client {consumer.identifier} --key {key_file}) && "
            f"curl -s -H 'X-Road-Client: {consumer.identifier}' "
            f"-H \"Authorization: Bearer $ASSERTION\" -H 'X-Road-Issue: DEMO-1' "
            f"'{gateway}/r1/{provider.identifier}/thu-tuc/?q=khai+sinh'"
        )

    @transaction.atomic
    def register(self, key_file: Path) -> None:
        owner = Membership.objects.select_related("user").get(user__username=PROVINCE_LEADER).user
        asker_membership = Membership.objects.select_related("user", "agency").get(
            user__username=CONSUMER_LEADER
        )
        asker = asker_membership.user
        province = Agency.objects.get(code="H20")
        provider_member = Member.objects.filter(agency=province).first() or actions.register_member(
            None, MemberClass.GOV, "", "", agency=province
        )
        consumer_member = Member.objects.filter(
            agency=asker_membership.agency
        ).first() or actions.register_member(None, MemberClass.GOV, "", "", agency=asker_membership.agency)
        provider = actions.register_subsystem(
            owner, provider_member, "CSDL-TTHC", "Cơ sở dữ liệu thủ tục hành chính"
        )
        consumer = actions.register_subsystem(asker, consumer_member, "MOTCUA", "Hệ thống một cửa điện tử")
        public_pem = public_key_pem(key_file)
        actions.set_credentials(asker, consumer, public_key_pem=public_pem, key_algorithm="ES256")
        service = actions.register_service(
            owner,
            provider,
            code="thu-tuc",
            title="Tra cứu danh mục thủ tục hành chính",
            description="Danh mục thủ tục hành chính của tỉnh, kèm thành phần hồ sơ, phí và lệ phí.",
            provider_url=f"{settings.SITE_URL}/api/v1/procedures",
            classification=DataClassification.PUBLIC,
            legal_basis="Nghị định 63/2010/NĐ-CP về kiểm soát thủ tục hành chính (công khai thủ tục); "
            "Nghị định 47/2020/NĐ-CP về quản lý, kết nối và chia sẻ dữ liệu số",
            openapi=OPENAPI,
            sla_availability=99.5,
            sla_response_ms=500,
            timeout_seconds=10,
            extra_endpoints=[("GET", "/**")],
        )
        endpoints = list(service.endpoints.filter(path="/**"))
        access = actions.request_access(
            asker, consumer, endpoints, "Tra cứu thủ tục khi tiếp nhận hồ sơ tại bộ phận một cửa"
        )
        actions.approve_access(owner, access, timezone.now() + datetime.timedelta(days=365))
