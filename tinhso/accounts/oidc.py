"""OpenID Connect single sign-on with authlib, for each provider in ``settings.OIDC_PROVIDERS``.

Authorization-code flow with state, nonce and PKCE (S256); the provider's endpoints come from
its discovery document (``<issuer>/.well-known/openid-configuration``) and the id_token is
verified against its JWKS (signature, issuer, audience, expiry, nonce) by authlib.
"""

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _


class ProviderError(Exception):
    """The provider is misconfigured or answered something we cannot trust."""


def provider_settings(name: str) -> dict:
    try:
        return settings.OIDC_PROVIDERS[name]
    except KeyError:
        raise Http404(name) from None


def providers() -> list[tuple[str, str]]:
    """(key, display name) of every configured provider, for the sign-in page."""
    return [(key, str(conf.get("name", key))) for key, conf in settings.OIDC_PROVIDERS.items()]


def buttons() -> list[tuple[str, str, bool]]:
    """(key, button label, is the national identity) of every configured provider: the national
    identity's button says so (VNeID, Decree 69/2024/NĐ-CP on electronic identification)."""
    return [
        (key, _("Sign in with VNeID (national electronic identity)") if national else name, national)
        for key, name, national in (
            (key, str(conf.get("name", key)), bool(conf.get("national_identity")))
            for key, conf in settings.OIDC_PROVIDERS.items()
        )
    ]


def client(name: str):
    """A fresh authlib client for provider ``name`` with its discovery document loaded."""
    conf = provider_settings(name)
    issuer = conf["issuer"].rstrip("/")
    oauth = OAuth()
    oauth.register(
        name,
        client_id=conf["client_id"],
        client_secret=conf.get("client_secret", ""),
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": conf.get("scope", "openid email profile"),
            "code_challenge_method": "S256",
            "default_timeout": conf.get("timeout", 10),
        },
    )
    app = oauth.create_client(name)
    metadata = app.load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise ProviderError(f"The discovery document of {name!r} names another issuer.")
    return app
