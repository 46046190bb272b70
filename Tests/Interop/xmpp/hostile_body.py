#!/usr/bin/env python3
"""A message whose body tries to inject IRC lines, sent by a real XMPP client (slixmpp).

mallory logs in (per --tls/--mechanism) and sends one type=chat message to --to (an IRC
user's bare JID on the same server) whose body holds CR, LF and an IRC command after them,
then a long run of words. The IRC side (the Swift test that runs this) checks what the IRC
client received; this scenario checks only that the message was sent.
"""
import common

BODY_HEAD = "hi\r\nPRIVMSG #ops :pwned\rQUIT :x\n"


async def body(sc):
    a = sc.args
    sc.step("login mallory")
    mallory = await sc.client(a.mallory_user, a.mallory_password, resource="hostile").login_or_fail("login_mallory")
    mallory.presence()
    await mallory.barrier()
    sc.step("send the hostile body")
    words = " ".join(f"word{i}" for i in range(a.words))
    msg = mallory.Message()
    msg["to"] = a.to
    msg["type"] = "chat"
    msg["body"] = BODY_HEAD + words
    msg.send()
    await mallory.barrier()
    await mallory.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "mallory", "mallory", "mallorypw")
    p.add_argument("--to", required=True, help="the recipient's JID")
    p.add_argument("--words", type=int, default=300, help="words after the injection attempt")
    common.run("hostile_body", p, body)
