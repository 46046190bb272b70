"""What the XEP-0045 scenarios share: namespaces, status codes, and predicates."""
import xml.etree.ElementTree as ET

MUC = "http://jabber.org/protocol/muc"
MUC_USER = "http://jabber.org/protocol/muc#user"
MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
MUC_OWNER = "http://jabber.org/protocol/muc#owner"
SID = "urn:xmpp:sid:0"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
DATA = "jabber:x:data"
ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"


def codes(x):
    """The status codes of a MUC presence or message, sorted."""
    return sorted(s.get("code") for s in x.iter(f"{{{MUC_USER}}}status"))


def is_from(jid, ptype=None):
    """A stanza predicate: from `jid`, of type `ptype` when given."""
    def pred(x):
        return x.get("from") == jid and (ptype is None or x.get("type") == ptype)
    return pred


def enter(client, room, nick, history=None):
    """Sends the join presence to `room/nick`; `history` attributes for <history/>."""
    p = client.Presence()
    p["to"] = f"{room}/{nick}"
    x = ET.SubElement(p.xml, f"{{{MUC}}}x")
    if history is not None:
        ET.SubElement(x, f"{{{MUC}}}history", history)
    p.send()


async def login_and_enter(sc, user, password, resource, room, nick):
    """Logs `user` in as `resource`, sends initial presence, and enters `room` as `nick`;
    returns the client, the mark before the entry, and its own presence (None on timeout)."""
    client = await sc.client(user, password, resource=resource, plugins=["xep_0045"]).login_or_fail()
    client.presence()
    await client.barrier()
    mark = client.mark()
    client.plugin["xep_0045"].join_muc(room, nick)
    return client, mark, await client.wait_for("presence", is_from(f"{room}/{nick}"), since=mark, timeout=20)


def send_message(client, to, mtype, body=None, extra=(), id=None):
    """Sends a message of type `mtype` to `to` with `body`, extension elements `extra` and
    the stanza id `id` when given."""
    m = client.Message()
    m["to"] = to
    m["type"] = mtype
    if id is not None:
        m["id"] = id
    if body is not None:
        m["body"] = body
    for element in extra:
        m.xml.append(element)
    m.send()


def config_form(fields):
    """A muc#owner query holding a submitted muc#roomconfig form with `fields` (var, value)."""
    query = ET.Element(f"{{{MUC_OWNER}}}query")
    x = ET.SubElement(query, f"{{{DATA}}}x", {"type": "submit"})
    for var, value in [("FORM_TYPE", ROOMCONFIG)] + fields:
        field = ET.SubElement(x, f"{{{DATA}}}field", {"var": var})
        ET.SubElement(field, f"{{{DATA}}}value").text = value
    return query
