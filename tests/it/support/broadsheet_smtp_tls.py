"""An SMTP server that insists on encryption and a login, for Broadsheet's transport tests.

    python3 -m broadsheet_smtp_tls MODE PORT MAILDIR CERT KEY

MODE ``starttls`` upgrades a plain connection (and refuses mail before it); ``tls`` speaks TLS
from the first byte. Either way the client must log in as ``sender`` / ``s3cret``.
"""

import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from broadsheet_smtp import Handler


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"sender"
        and auth_data.password == b"s3cret"
    )
    return AuthResult(success=ok)


def main():
    mode, port, maildir, cert, key = sys.argv[1:6]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    common = dict(
        hostname="127.0.0.1",
        port=int(port),
        authenticator=authenticator,
        auth_required=True,
    )
    if mode == "starttls":
        controller = Controller(
            Handler(maildir), tls_context=context, require_starttls=True, **common
        )
    else:
        # The whole connection is TLS, which aiosmtpd does not count as STARTTLS done.
        controller = Controller(
            Handler(maildir),
            ssl_context=context,
            server_hostname="localhost",
            auth_require_tls=False,
            **common,
        )
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
