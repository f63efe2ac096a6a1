"""The officer's start page counts what waits in the documents area: the handling past its
deadline (the person's own, and for a leader the agency's) and the drafts waiting for their
review, each tile opening the list it counts."""

import datetime

from django.urls import reverse
from django.utils import timezone

from tinhso.documents import actions, drafting
from tinhso.documents.tests.test_drafting import form


def test_overdue_handling_and_drafts_to_review_are_counted_for_whom_they_wait(
    agencies, pc_staff, dept_staff, signed_in, client
):
    clerk, leader, specialist = dept_staff["clerk"], dept_staff["leader"], dept_staff["specialist"]
    late = actions.register_paper(clerk, agencies["dept"], sender_name="Bộ Nội vụ", subject="Về việc A")
    on_time = actions.register_paper(clerk, agencies["dept"], sender_name="Bộ Nội vụ", subject="Về việc B")
    long_ago = timezone.now() - datetime.timedelta(days=30)
    actions.assign_incoming(leader, late, specialist, 2, at=long_ago)
    actions.assign_incoming(leader, on_time, specialist, 5)
    draft = drafting.draft_from_template(
        dept_staff["specialist"], agencies["dept"], "thong_bao", form(unit_symbol="", signer=leader)
    )
    drafting.send_for_review(specialist, draft, [drafting.RouteStep(leader)])

    signed_in(specialist)
    page = client.get(reverse("motcua:start"))
    assert page.context["documents"] == {"handle": 2, "overdue": 1, "review": 0}
    signed_in(leader)
    page = client.get(reverse("motcua:start"))
    assert page.context["documents"] == {"handle": 0, "overdue": 1, "assign": 0, "review": 1}
    html = page.content.decode()
    assert f"{reverse('documents:incoming_list')}?state=overdue" in html and "quá hạn" in html
    assert reverse("documents:review_inbox") in html and "dự thảo cần cho ý kiến" in html
    listed = client.get(reverse("documents:incoming_list"), {"state": "overdue"})
    assert [document.subject for document in listed.context["page"]] == ["Về việc A"]
    assert len(client.get(reverse("documents:review_inbox")).context["steps"]) == 1

    # Another agency's leader and the clerk see none of it.
    signed_in(pc_staff["leader"])
    assert client.get(reverse("motcua:start")).context["documents"] == {
        "handle": 0,
        "overdue": 0,
        "assign": 0,
        "review": 0,
    }
    signed_in(clerk)
    assert client.get(reverse("motcua:start")).context["documents"] == {"register": 0}
