#!/ usr / bin / python3
"""A real SMTP server for Rapport's tests, on 127.0.0.1 (Debian's python3-aiosmtpd).

Usage: smtp_server.py DIR CERT KEY USER PASSWORD [--smtps]
Listens on a free port and writes it to DIR/port once ready. Requires STARTTLS (or, with
--smtps, TLS from the first byte) and AUTH (PLAIN or LOGIN) with USER and PASSWORD, or
XOAUTH2 with the bearer token PASSWORD. Each accepted message is written to DIR/N.eml with
DIR/N.rcpt holding its envelope recipients. Stops when DIR/stop appears.
"""
import asyncio
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

directory, cert, key, user, password = sys.argv[1:6]
smtps = "--smtps" in sys.argv[6:]
count = 0


class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        path = os.path.join(directory, "%d" % count)
        with open(path + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(path + ".rcpt", "w") as f:
            f.write(envelope.mail_from + "\n" + "\n".join(envelope.rcpt_tos) + "\n")
        os.rename(path + ".eml.tmp", path + ".eml")
        return "250 2.0.0 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword):
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)
    return AuthResult(success=False, handled=False)


class XOAuth2SMTP(SMTP):
    async def auth_XOAUTH2(self, _, args):
        import base64
        try:
            if len(args) > 1:
                text = base64.b64decode(args[1]).decode()
            else:
                text = (await self.challenge_auth("", encode_to_b64=False)).decode()
        except Exception:
            return AuthResult(success=False, handled=False)
        fields = dict(p.split("=", 1) for p in text.split("\x01") if "=" in p)
        ok = fields.get("user") == user and fields.get("auth") == "Bearer " + password
        return AuthResult(success=ok, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]


class TestController(Controller):
    def factory(self):
        return XOAuth2SMTP(self.handler, **self.SMTP_kwargs)


kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=True, timeout=10)
if smtps:
#Implicit TLS : the whole session is encrypted, which aiosmtpd's auth_require_tls does not see.
    kwargs["auth_require_tls"] = False
    controller = TestController(Handler(), hostname="127.0.0.1", port=port, ssl_context=context, **kwargs)
else:
    controller = TestController(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, **kwargs)
controller.start()
with open(os.path.join(directory, "port.tmp"), "w") as f:
    f.write(str(port))
os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
deadline = time.time() + 300
while not os.path.exists(os.path.join(directory, "stop")) and time.time() < deadline:
    time.sleep(0.05)
controller.stop()
