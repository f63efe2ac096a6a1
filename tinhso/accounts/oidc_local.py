"""A small OpenID Connect provider on 127.0.0.1 that plays the national identity (VNeID) for the
demo and the tests: discovery document, an authorization endpoint that redirects back with a
one-time code, a token endpoint checking the client secret, the redirect URI and PKCE (S256),
the JWKS, and an RS256-signed id_token with the nonce it was given and the person's personal
identification number (claim ``PERSONAL_NUMBER_CLAIM``; VNeID's real claim names are not
published where they could be read).

Who signs in: the tests set ``next_claims`` and the authorization endpoint answers at once; in
the demo it shows the demo people to choose from (``people``). Started by ``manage.py
run_local_identity``.
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

DEMO_CLIENT_ID = "tinhso-demo"
DEMO_CLIENT_SECRET = "tinhso-local-identity-demo-secret"
PERSONAL_NUMBER_CLAIM = "personal_number"


class LocalIdentityProvider:
    def __init__(self, client_id: str, client_secret: str, port: int = 0, people: list[dict] | None = None):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "khoa-1", "use": "sig", "alg": "RS256"})
        self.sign_with = self.key
        self.codes: dict[str, tuple[dict, dict]] = {}
        self.pending: dict[str, dict] = {}
        self.next_claims: dict | None = None
        self.people = people or []
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self.handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="local-identity", daemon=True)

    def start(self) -> "LocalIdentityProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send_body(self, status, data: bytes, content_type: str):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def send_json(self, status, body):
                self.send_body(status, json.dumps(body).encode(), "application/json")

            def redirect(self, location):
                self.send_response(302)
                self.send_header("Location", location)
                self.end_headers()

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    return self.send_json(200, provider.discovery())
                if url.path == "/jwks":
                    return self.send_json(200, {"keys": [provider.key.as_dict(private=False)]})
                if url.path == "/authorize":
                    return provider.authorize(self, {k: v[0] for k, v in parse_qs(url.query).items()})
                return self.send_json(404, {"error": "not_found"})

            def do_POST(self):
                length = min(int(self.headers.get("Content-Length", 0) or 0), 65536)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlsplit(self.path).path
                if path == "/authorize":
                    return provider.choose(self, form)
                if path != "/token":
                    return self.send_json(404, {"error": "not_found"})
                status, body = provider.token(self.headers.get("Authorization", ""), form)
                return self.send_json(status, body)

        return Handler

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def _bad_request(self, params: dict) -> str:
        if params.get("response_type") != "code" or params.get("client_id") != self.client_id:
            return "unauthorized_client"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "invalid_request"
        if "openid" not in params.get("scope", "").split() or not params.get("redirect_uri"):
            return "invalid_scope"
        return ""

    def _back(self, handler, params: dict, claims: dict) -> None:
        code = secrets.token_urlsafe(16)
        self.codes[code] = (params, claims)
        handler.redirect(
            f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params.get('state', '')})}"
        )

    def authorize(self, handler, params: dict) -> None:
        """The tests' person signs in at once; the demo's chooses who they are."""
        error = self._bad_request(params)
        if error:
            return handler.send_json(400, {"error": error})
        if self.next_claims is not None:
            return self._back(handler, params, self.next_claims)
        request_id = secrets.token_urlsafe(16)
        self.pending[request_id] = params
        choices = "".join(
            f'<li><button name="person" value="{index}">{html.escape(person["name"])} '
            f"({html.escape(person[PERSONAL_NUMBER_CLAIM])})</button></li>"
            for index, person in enumerate(self.people)
        )
        page = (
            '<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" '
            'content="width=device-width"><title>VNeID (thử nghiệm)</title><h1>Định danh điện tử '
            "VNeID — máy chủ thử nghiệm</h1><p>Chọn người đăng nhập:</p>"
            '<form method="post" action="/authorize">'
            f'<input type="hidden" name="request" value="{request_id}">'
            f"<ul>{choices}</ul></form></html>"
        )
        return handler.send_body(200, page.encode(), "text/html; charset=utf-8")

    def choose(self, handler, form: dict) -> None:
        params = self.pending.pop(form.get("request", ""), None)
        try:
            person = self.people[int(form.get("person", ""))]
        except (ValueError, IndexError):
            person = None
        if params is None or person is None:
            return handler.send_json(400, {"error": "invalid_request"})
        return self._back(handler, params, person)

    def token(self, authorization: str, form: dict) -> tuple[int, dict]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        params, claims = self.codes.pop(form.get("code", ""), (None, None))
        if params is None or claims is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != params["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != params["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, **claims}
        if "nonce" in params:
            claims["nonce"] = params["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": self.sign_with.kid}, claims, self.sign_with)
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }
