#!/usr/bin/python3
# An SMTP server for tests, on Debian's aiosmtpd: keeps what it accepts in a maildir
# and answers some recipients as real servers do when things go wrong. A recipient
# whose address starts with "busy" is refused once with a 451 (try later), then taken;
# one starting with "refuse" always gets a 550 (no such mailbox).
# Usage: smtp_sink.py PORT MAILDIR   (stops on SIGTERM)
import mailbox
import signal
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, maildir):
        self.box = mailbox.Maildir(maildir, create=True)
        self.tried = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        if local.startswith("busy"):
            self.tried[address] = self.tried.get(address, 0) + 1
            if self.tried[address] == 1:
                return "451 4.3.2 Busy now, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.box.add(envelope.original_content or envelope.content)
        return "250 Message accepted"


port, maildir = int(sys.argv[1]), sys.argv[2]
controller = Controller(Handler(maildir), hostname="127.0.0.1", port=port)
controller.start()
signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
while True:
    signal.pause()
