"""aiosmtpd's Maildir handler, plus refusals on demand for Broadsheet's tests.

Once a file named ``refuse`` exists beside the Maildir, recipients whose address starts with
``bounce`` get a permanent 550 and those starting with ``busy`` a temporary 451 the first time.
"""

import os

from aiosmtpd.handlers import Mailbox


class Handler(Mailbox):
    def __init__(self, mail_dir):
        super().__init__(mail_dir)
        self.switch = os.path.join(mail_dir, "refuse")
        self.refused_once = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if os.path.exists(self.switch):
            local = address.split("@")[0].lower()
            if local.startswith("bounce"):
                return "550 5.1.1 No such mailbox here"
            if local.startswith("busy") and address not in self.refused_once:
                self.refused_once.add(address)
                return "451 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"
