"""What a person may do to a document now: the permission rules (``tinhso.documents.rules``)
joined with the document's state, so the pages show only the buttons that will work and the API
lists the same (``allowed`` on a document's detail). The actions check all of it again."""

from tinhso.accounts.permissions import Actor, can
from tinhso.documents import drafts, withdrawal
from tinhso.documents.models import IncomingDocument, OutgoingDocument, Withdrawal

OUTGOING = ("sign", "issue", "send", "withdraw", "decide_withdrawal", "grant_access")
INCOMING = ("register", "refuse", "assign", "name_handler", "give_opinion", "complete", "grant_access")

Incoming = IncomingDocument.State


def outgoing_actions(user: Actor, document: OutgoingDocument) -> list[str]:
    """Of ``OUTGOING``, in that order: the leader signs a draft whose review route is done (or
    never started) and the văn thư numbers it (Art. 11, 13, 15); an issued document that is not
    secret is sent while no revocation waits; the clerk asks to revoke it, a leader decides."""
    allowed = []
    if document.state == OutgoingDocument.State.DRAFT:
        reviewed = drafts.route_state(document) in {"none", "complete"}
        if reviewed and not document.signed_at and can(user, "documents.sign", document):
            allowed.append("sign")
        if reviewed and can(user, "documents.issue", document):
            allowed.append("issue")
    waiting = document.withdrawals.filter(state=Withdrawal.State.REQUESTED).exists()
    if document.state == OutgoingDocument.State.ISSUED and not waiting and not withdrawal.frozen(document):
        if not document.secrecy and can(user, "documents.send", document):
            allowed.append("send")
        if can(user, "documents.withdraw", document):
            allowed.append("withdraw")
    if waiting and can(user, "documents.approve_withdrawal", document):
        allowed.append("decide_withdrawal")
    if can(user, "documents.grant_access", document):
        allowed.append("grant_access")
    return allowed


def incoming_actions(user: Actor, document: IncomingDocument) -> list[str]:
    """Of ``INCOMING``, in that order: the clerk registers an arrived document or returns one that
    came over the exchange (Art. 20–22); a leader assigns a registered or assigned one (Art. 24);
    while assigned, the leader of the unit in charge names who handles it, a co-ordinator gives an
    opinion and the person in charge marks it handled."""
    allowed = []
    if document.state == Incoming.PENDING and can(user, "documents.register", document):
        allowed.append("register")
        if document.delivery_id:
            allowed.append("refuse")
    if document.state in (Incoming.REGISTERED, Incoming.ASSIGNED) and can(user, "documents.assign", document):
        allowed.append("assign")
    if document.state == Incoming.ASSIGNED:
        if can(user, "documents.name_handler", document):
            allowed.append("name_handler")
        if can(user, "documents.give_opinion", document):
            allowed.append("give_opinion")
        if can(user, "documents.complete", document):
            allowed.append("complete")
    if can(user, "documents.grant_access", document):
        allowed.append("grant_access")
    return allowed
