// Parley's chat page: a small XMPP client over WebSocket (RFC 7395) in plain JavaScript.
// Same origin only: /chat/config.json and /xmpp-websocket; nothing else is fetched.
// Every text from the network reaches the page through textContent or createTextNode,
// never as markup (no HTML is parsed from strings); incoming stanzas are parsed by
// DOMParser as XML, outgoing ones are built with the escaper below.
'use strict';
(() => {
  const NS = {
    client: 'jabber:client',
    framing: 'urn:ietf:params:xml:ns:xmpp-framing',
    streams: 'http://etherx.jabber.org/streams',
    sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
    bind: 'urn:ietf:params:xml:ns:xmpp-bind',
    roster: 'jabber:iq:roster',
    muc: 'http://jabber.org/protocol/muc',
    mucUser: 'http://jabber.org/protocol/muc#user',
    mucOwner: 'http://jabber.org/protocol/muc#owner',
    data: 'jabber:x:data',
    delay: 'urn:xmpp:delay',
    ping: 'urn:xmpp:ping',
    stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  };
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ XML out

  /** Outgoing XML already escaped (the only way markup enters a stanza). */
  class XML {
    constructor(xml) { this.xml = xml; }
  }

  /** XML 1.0 §2.2: characters outside Char cannot be sent; they become U+FFFD. */
  function clean(s) {
    return String(s).replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  }

  function esc(s) {
    return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  }

  /** x('message', {to, type}, x('body', null, text)): attribute values and text escaped. */
  function x(name, attrs, ...children) {
    let s = '<' + name;
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) s += ' ' + key + '="' + esc(value) + '"';
    }
    const inner = children.flat().filter((c) => c !== undefined && c !== null && c !== false)
      .map((c) => (c instanceof XML ? c.xml : esc(c))).join('');
    return new XML(inner ? s + '>' + inner + '</' + name + '>' : s + '/>');
  }

  // ------------------------------------------------------------------ XML in

  const parser = new DOMParser();

  /** One WebSocket message is one element (RFC 7395 §3.3.3); null when it is not XML. */
  function parse(text) {
    const doc = parser.parseFromString(text, 'application/xml');
    if (doc.getElementsByTagNameNS('*', 'parsererror').length) return null;
    return doc.documentElement;
  }

  function child(el, name, ns) {
    if (!el) return null;
    for (const c of el.children) if (c.localName === name && (!ns || c.namespaceURI === ns)) return c;
    return null;
  }

  function children(el, name, ns) {
    return el ? [...el.children].filter((c) => c.localName === name && (!ns || c.namespaceURI === ns)) : [];
  }

  const textOf = (el) => (el ? el.textContent : '');

  // ------------------------------------------------------------------ JIDs

  function bare(jid) {
    const slash = jid.indexOf('/');
    return (slash < 0 ? jid : jid.slice(0, slash)).toLowerCase();
  }

  function resourceOf(jid) {
    const slash = jid.indexOf('/');
    return slash < 0 ? '' : jid.slice(slash + 1);
  }

  const localOf = (jid) => (jid.includes('@') ? jid.slice(0, jid.indexOf('@')) : jid);

  // ------------------------------------------------------------------ SASL

  const enc = new TextEncoder();
  const dec = new TextDecoder();

  function b64(bytes) {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }

  function unb64(s) {
    const bin = atob(s.replace(/\s/g, ''));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  }

  const SCRAM = { 'SCRAM-SHA-256': { hash: 'SHA-256', bits: 256 }, 'SCRAM-SHA-1': { hash: 'SHA-1', bits: 160 } };

  async function hmac(hash, key, data) {
    const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
  }

  async function digest(hash, data) {
    return new Uint8Array(await crypto.subtle.digest(hash, data));
  }

  const xor = (a, b) => a.map((v, i) => v ^ b[i]);

  /** RFC 5802 §5.1: "=" and "," in a username are escaped. */
  const saslName = (s) => s.replace(/=/g, '=3D').replace(/,/g, '=2C');

  /**
   * RFC 5802 (SCRAM-SHA-1) and RFC 7677 (SCRAM-SHA-256), without channel binding ("n,,").
   * The password goes through NFKC, the mapping SASLprep (RFC 4013 §2.2) applies.
   */
  function scram(mechanism, user, password) {
    const { hash, bits } = SCRAM[mechanism];
    const nonce = b64(crypto.getRandomValues(new Uint8Array(18)));
    const firstBare = 'n=' + saslName(user) + ',r=' + nonce;
    let serverSignature = null;
    return {
      first: () => b64(enc.encode('n,,' + firstBare)),
      async respond(challenge) {
        const serverFirst = dec.decode(unb64(challenge));
        const fields = Object.fromEntries(serverFirst.split(',').map((f) => [f.slice(0, 1), f.slice(2)]));
        const iterations = parseInt(fields.i, 10);
        // RFC 5802 §5.1: an `m` attribute is a mandatory extension this client does not know.
        if (fields.m !== undefined || !fields.r || !fields.r.startsWith(nonce) || !fields.s || !(iterations > 0) || iterations > 1000000) {
          throw new Error('the server sent an unusable SCRAM challenge');
        }
        const key = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFKC')), 'PBKDF2', false, ['deriveBits']);
        const salted = new Uint8Array(await crypto.subtle.deriveBits(
          { name: 'PBKDF2', hash, salt: unb64(fields.s), iterations }, key, bits));
        const clientKey = await hmac(hash, salted, enc.encode('Client Key'));
        const storedKey = await digest(hash, clientKey);
        const withoutProof = 'c=biws,r=' + fields.r;
        const authMessage = enc.encode(firstBare + ',' + serverFirst + ',' + withoutProof);
        const signature = await hmac(hash, storedKey, authMessage);
        const serverKey = await hmac(hash, salted, enc.encode('Server Key'));
        serverSignature = b64(await hmac(hash, serverKey, authMessage));
        return b64(enc.encode(withoutProof + ',p=' + b64(xor(clientKey, signature))));
      },
      /** RFC 5802 §9: the server proves it knows the password too. */
      verify(success) {
        const text = success ? dec.decode(unb64(success)) : '';
        return text === 'v=' + serverSignature;
      },
    };
  }

  /** RFC 4616: authzid empty, authcid, password. */
  function plain(user, password) {
    return { first: () => b64(enc.encode('\0' + user + '\0' + password)), verify: () => true };
  }

  // ------------------------------------------------------------------ state

  let config = { domain: location.hostname, rooms: 'conference.' + location.hostname };
  let ws = null;
  let me = null; // { jid, bare, user, domain }
  let auth = null; // the SASL exchange in progress
  let authenticated = false;
  let online = false;
  let loggingIn = false; // from connect until bound, or until the attempt failed
  let counter = 0;
  const pending = new Map(); // iq id -> resolve
  const contacts = new Map(); // bare -> { jid, name, subscription, resources: Map }
  const rooms = new Map(); // bare -> conversation of kind 'room'
  const chats = new Map(); // key -> conversation
  let active = null; // the conversation shown

  const nextId = () => 'w' + (++counter).toString(36) + Math.random().toString(36).slice(2, 8);

  function send(xml) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(xml.xml);
  }

  function sendIQ(type, to, payload) {
    const id = nextId();
    return new Promise((resolve) => {
      pending.set(id, resolve);
      send(x('iq', { xmlns: NS.client, type, to, id }, payload));
    });
  }

  // ------------------------------------------------------------------ DOM helpers

  /** An element with attributes and children; strings become text nodes. */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'onclick') el.addEventListener('click', value);
      else el.setAttribute(key, value);
    }
    for (const kid of kids.flat()) {
      if (kid === undefined || kid === null || kid === false) continue;
      el.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
    }
    return el;
  }

  function setStatus(text) {
    $('login-status').textContent = text;
  }

  // ------------------------------------------------------------------ conversations

  function conversation(key, kind, title) {
    let conv = chats.get(key);
    if (!conv) {
      conv = { key, kind, title, messages: [], unread: 0, occupants: new Map(), subject: '', nick: '', joined: false };
      chats.set(key, conv);
      if (kind === 'room') rooms.set(key, conv);
    }
    return conv;
  }

  function addMessage(conv, message) {
    conv.messages.push(message);
    if (conv.messages.length > 500) conv.messages.shift();
    if (conv === active) {
      appendMessage(message);
    } else {
      conv.unread += 1;
      renderLists();
    }
  }

  function appendMessage(m) {
    const log = $('log');
    const stuck = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
    const time = m.stamp ? new Date(m.stamp) : new Date();
    const action = m.body.startsWith('/me ');
    const classes = ['msg', m.kind || '', m.history ? 'history' : '', m.mine ? 'mine' : '', action ? 'action' : ''];
    log.appendChild(h('li', { class: classes.filter(Boolean).join(' ') },
      h('time', { datetime: isNaN(time) ? null : time.toISOString() }, isNaN(time) ? '' : time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
      m.from ? h('span', { class: 'from' }, action ? '* ' + m.from : m.from) : null,
      h('span', { class: 'body' }, action ? m.body.slice(4) : m.body)));
    if (stuck || m.mine) log.scrollTop = log.scrollHeight;
  }

  function show(conv) {
    active = conv;
    conv.unread = 0;
    $('conv-title').textContent = conv.title;
    $('conv-subject').textContent = conv.subject || '';
    const log = $('log');
    log.replaceChildren();
    for (const m of conv.messages) appendMessage(m);
    log.scrollTop = log.scrollHeight;
    $('occupants-pane').hidden = conv.kind !== 'room';
    $('leave').hidden = conv.kind !== 'room';
    $('send-text').disabled = false;
    $('send-button').disabled = false;
    document.body.classList.remove('menu-open');
    $('menu-button').setAttribute('aria-expanded', 'false');
    renderOccupants();
    renderLists();
    $('send-text').focus();
  }

  function systemLine(conv, text) {
    addMessage(conv, { from: '', body: text, kind: 'system' });
  }

  // ------------------------------------------------------------------ rendering

  const SHOW_LABEL = { chat: 'free to chat', away: 'away', xa: 'away', dnd: 'busy' };

  /** The presence a contact shows: its most available resource. */
  function bestPresence(contact) {
    const rank = { chat: 0, '': 1, away: 2, xa: 3, dnd: 4 };
    let best = null;
    for (const p of contact.resources.values()) {
      if (!best || rank[p.show] < rank[best.show]) best = p;
    }
    return best;
  }

  function renderLists() {
    const contactItems = [...contacts.values()].sort((a, b) => a.jid.localeCompare(b.jid)).map((c) => {
      const p = bestPresence(c);
      const state = p ? (p.show === 'away' || p.show === 'xa' ? 'away' : p.show === 'dnd' ? 'dnd' : 'online') : 'offline';
      const conv = chats.get(c.jid);
      return h('li', { class: 'contact ' + state + (active && active.key === c.jid ? ' active' : ''), 'data-jid': c.jid },
        h('button', { type: 'button', onclick: () => show(conversation(c.jid, 'chat', c.name || c.jid)) },
          h('span', { class: 'dot', title: state }),
          h('span', { class: 'name' }, c.name || c.jid),
          conv && conv.unread ? h('span', { class: 'unread' }, String(conv.unread)) : null,
          h('span', { class: 'status' }, p ? [SHOW_LABEL[p.show], p.status].filter(Boolean).join(': ') : (c.subscription === 'none' || c.subscription === 'from' ? 'waiting for approval' : 'offline'))));
    });
    // Conversations with addresses not in the roster (someone wrote first).
    const strangers = [...chats.values()].filter((c) => c.kind === 'chat' && !contacts.has(c.key)).map((c) => h('li', {
      class: 'contact stranger' + (active === c ? ' active' : ''), 'data-jid': c.key,
    }, h('button', { type: 'button', onclick: () => show(c) },
      h('span', { class: 'dot' }), h('span', { class: 'name' }, c.title),
      c.unread ? h('span', { class: 'unread' }, String(c.unread)) : null,
      h('span', { class: 'status' }, 'not in your contacts'))));
    $('contacts').replaceChildren(...contactItems, ...strangers);
    const roomItems = [...rooms.values()].map((r) => h('li', { class: 'room' + (active === r ? ' active' : '') + (r.joined ? ' joined' : ''), 'data-jid': r.key },
      h('button', { type: 'button', onclick: () => show(r) },
        h('span', { class: 'name' }, r.title),
        r.unread ? h('span', { class: 'unread' }, String(r.unread)) : null,
        h('span', { class: 'status' }, r.joined ? r.occupants.size + ' in the room' : 'joining'))));
    const privates = [...chats.values()].filter((c) => c.kind === 'private').map((c) => h('li', { class: 'room private' + (active === c ? ' active' : '') },
      h('button', { type: 'button', onclick: () => show(c) }, h('span', { class: 'name' }, c.title),
        c.unread ? h('span', { class: 'unread' }, String(c.unread)) : null)));
    $('rooms').replaceChildren(...roomItems, ...privates);
  }

  function renderOccupants() {
    if (!active || active.kind !== 'room') return;
    const items = [...active.occupants.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([nick, o]) => h('li', {
      class: 'occupant ' + (o.role || '') + (o.show ? ' ' + o.show : '') + (nick === active.nick ? ' self' : ''), 'data-nick': nick,
    }, h('span', { class: 'nick' }, nick), o.status ? h('span', { class: 'status' }, o.status) : null));
    $('occupants').replaceChildren(...items);
    $('occupant-count').textContent = '(' + active.occupants.size + ')';
  }

  function renderRequests(from) {
    const item = h('li', { class: 'request', 'data-jid': from },
      h('span', { class: 'name' }, from + ' wants to see when you are online'),
      h('button', { type: 'button', class: 'allow', onclick: () => answerRequest(from, true, item) }, 'Allow'),
      h('button', { type: 'button', class: 'deny', onclick: () => answerRequest(from, false, item) }, 'Deny'));
    $('requests').appendChild(item);
    $('requests-section').hidden = false;
  }

  // ------------------------------------------------------------------ stream

  function connect(jid, password) {
    const at = jid.indexOf('@');
    const user = at < 0 ? jid : jid.slice(0, at);
    const domain = at < 0 ? config.domain : jid.slice(at + 1);
    me = { user, domain, bare: (user + '@' + domain).toLowerCase(), jid: '' };
    authenticated = false;
    online = false;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    setStatus('Connecting…');
    ws = new WebSocket(scheme + '//' + location.host + '/xmpp-websocket', 'xmpp');
    ws.onopen = () => openStream();
    ws.onmessage = (event) => {
      const el = parse(event.data);
      if (!el) return;
      receive(el, password).catch((error) => fail(error.message));
    };
    loggingIn = true;
    ws.onclose = () => {
      ws = null;
      if (online) loggedOut('Disconnected.');
      else if (loggingIn) setStatus('Could not log in: the connection closed.');
      loggingIn = false;
      $('login-button').disabled = false;
    };
  }

  /** RFC 7395 §3.4; again after SASL success (§3.7). */
  function openStream() {
    send(x('open', { xmlns: NS.framing, to: me.domain, version: '1.0' }));
  }

  function fail(text) {
    loggingIn = false;
    setStatus('Log-in failed: ' + text);
    if (ws) ws.close();
  }

  async function receive(el, password) {
    const ns = el.namespaceURI;
    if (ns === NS.framing) {
      if (el.localName === 'close' && ws) ws.close();
      return;
    }
    if (ns === NS.streams && el.localName === 'features') return features(el, password);
    if (ns === NS.streams && el.localName === 'error') {
      const condition = el.children[0] ? el.children[0].localName : 'unknown';
      if (online) loggedOut('The server closed the stream: ' + condition);
      else fail(condition);
      return;
    }
    if (ns === NS.sasl) return saslStep(el);
    if (el.localName === 'iq') return iq(el);
    if (el.localName === 'presence') return presence(el);
    if (el.localName === 'message') return message(el);
  }

  /** RFC 6120 §6.3.3: the strongest mechanism offered that this browser can do. */
  async function features(el, password) {
    if (!authenticated) {
      const offered = children(child(el, 'mechanisms', NS.sasl), 'mechanism', NS.sasl).map(textOf);
      const subtle = window.isSecureContext && window.crypto && crypto.subtle;
      const mechanism = (subtle ? ['SCRAM-SHA-256', 'SCRAM-SHA-1'] : []).concat(['PLAIN']).find((m) => offered.includes(m));
      if (!mechanism) {
        fail(offered.length ? 'no mechanism this page can use (' + offered.join(', ') + ')'
          : 'the server offers no way to log in on this connection (it wants TLS: use https, or open the page on the server itself)');
        return;
      }
      auth = mechanism === 'PLAIN' ? plain(me.user, password) : scram(mechanism, me.user, password);
      document.body.dataset.mechanism = mechanism; // shown to scripts and tests, never a secret
      setStatus('Logging in (' + mechanism + ')…');
      send(x('auth', { xmlns: NS.sasl, mechanism }, auth.first()));
      return;
    }
    if (child(el, 'bind', NS.bind)) {
      const resource = 'web-' + Math.random().toString(36).slice(2, 8);
      const result = await sendIQ('set', null, x('bind', { xmlns: NS.bind }, x('resource', null, resource)));
      const jid = textOf(child(child(result, 'bind', NS.bind), 'jid'));
      if (result.getAttribute('type') !== 'result' || !jid) {
        fail('the server refused the resource');
        return;
      }
      me.jid = jid;
      me.bare = bare(jid);
      await loggedIn();
    }
  }

  async function saslStep(el) {
    switch (el.localName) {
      case 'challenge':
        send(x('response', { xmlns: NS.sasl }, await auth.respond(textOf(el))));
        break;
      case 'success':
        if (!auth.verify(textOf(el))) {
          fail('the server could not prove it knows the password');
          return;
        }
        authenticated = true;
        openStream();
        break;
      case 'failure': {
        const condition = el.children[0] ? el.children[0].localName : 'failure';
        fail(condition === 'not-authorized' ? 'wrong address or password' : condition);
        break;
      }
    }
  }

  async function loggedIn() {
    online = true;
    loggingIn = false;
    $('login-view').hidden = true;
    $('chat-view').hidden = false;
    $('me').textContent = me.jid;
    $('join-nick').value = me.user;
    setStatus('');
    // RFC 6121 §2.2: the roster first, then initial presence (§4.2).
    const roster = await sendIQ('get', null, x('query', { xmlns: NS.roster }));
    for (const item of children(child(roster, 'query', NS.roster), 'item', NS.roster)) rosterItem(item);
    renderLists();
    sendPresence();
  }

  function sendPresence() {
    const showValue = $('my-show').value;
    send(x('presence', { xmlns: NS.client }, showValue ? x('show', null, showValue) : null));
    for (const room of rooms.values()) {
      if (room.joined) send(x('presence', { xmlns: NS.client, to: room.key + '/' + room.nick }, showValue ? x('show', null, showValue) : null));
    }
  }

  function loggedOut(text) {
    online = false;
    contacts.clear();
    rooms.clear();
    chats.clear();
    showNothing();
    $('occupants').replaceChildren();
    $('requests').replaceChildren();
    $('requests-section').hidden = true;
    $('chat-view').hidden = true;
    $('login-view').hidden = false;
    $('login-button').disabled = false;
    setStatus(text);
  }

  /** No conversation shown: an empty log, nothing to send. */
  function showNothing() {
    active = null;
    $('log').replaceChildren();
    $('conv-title').textContent = 'Pick a contact or join a room';
    $('conv-subject').textContent = '';
    $('leave').hidden = true;
    $('occupants-pane').hidden = true;
    $('send-text').disabled = true;
    $('send-button').disabled = true;
  }

  // ------------------------------------------------------------------ IQ

  function rosterItem(item) {
    const jid = bare(item.getAttribute('jid') || '');
    if (!jid) return;
    if (item.getAttribute('subscription') === 'remove') {
      contacts.delete(jid);
      return;
    }
    const contact = contacts.get(jid) || { jid, resources: new Map() };
    contact.name = item.getAttribute('name') || '';
    contact.subscription = item.getAttribute('subscription') || 'none';
    contacts.set(jid, contact);
  }

  function iq(el) {
    const type = el.getAttribute('type');
    const id = el.getAttribute('id');
    if ((type === 'result' || type === 'error') && pending.has(id)) {
      pending.get(id)(el);
      pending.delete(id);
      return;
    }
    if (type !== 'get' && type !== 'set') return;
    const from = el.getAttribute('from');
    const query = el.children[0];
    // RFC 6121 §2.1.6: roster pushes come from the account itself (no from, or our bare JID).
    if (type === 'set' && query && query.namespaceURI === NS.roster && (!from || bare(from) === me.bare)) {
      for (const item of children(query, 'item', NS.roster)) rosterItem(item);
      renderLists();
      send(x('iq', { xmlns: NS.client, type: 'result', id }));
      return;
    }
    if (type === 'get' && query && query.namespaceURI === NS.ping) {
      send(x('iq', { xmlns: NS.client, type: 'result', id, to: from }));
      return;
    }
    // RFC 6120 §8.4: an IQ nobody here understands.
    send(x('iq', { xmlns: NS.client, type: 'error', id, to: from },
      x('error', { type: 'cancel' }, x('service-unavailable', { xmlns: NS.stanzas }))));
  }

  // ------------------------------------------------------------------ presence

  function presence(el) {
    const from = el.getAttribute('from') || '';
    const type = el.getAttribute('type') || '';
    const fromBare = bare(from);
    const room = rooms.get(fromBare);
    if (room) return roomPresence(room, el, resourceOf(from), type);
    if (type === 'subscribe') return renderRequests(fromBare);
    if (type && type !== 'unavailable') return;
    const contact = contacts.get(fromBare);
    if (!contact) return;
    const resource = resourceOf(from);
    if (type === 'unavailable') contact.resources.delete(resource);
    else contact.resources.set(resource, { show: textOf(child(el, 'show')), status: textOf(child(el, 'status')) });
    renderLists();
  }

  /** XEP-0045 §7.2: occupants' presence, our own marked with status 110. */
  function roomPresence(room, el, nick, type) {
    const mucUser = child(el, 'x', NS.mucUser);
    const codes = children(mucUser, 'status', NS.mucUser).map((s) => s.getAttribute('code'));
    if (type === 'error') {
      const condition = child(el, 'error') && child(el, 'error').children[0];
      systemLine(room, 'Could not join: ' + (condition ? condition.localName : 'error'));
      if (!room.joined) renderLists();
      return;
    }
    const item = child(mucUser, 'item', NS.mucUser);
    if (type === 'unavailable') {
      room.occupants.delete(nick);
      // §7.6: a nick change (303) names the new nick; the new presence follows.
      if (codes.includes('110') && !codes.includes('303')) {
        room.joined = false;
        systemLine(room, 'You left the room.');
      }
    } else {
      room.occupants.set(nick, {
        role: item ? item.getAttribute('role') : '', affiliation: item ? item.getAttribute('affiliation') : '',
        show: textOf(child(el, 'show')), status: textOf(child(el, 'status')),
      });
      if (codes.includes('110')) {
        room.nick = nick;
        if (!room.joined) {
          room.joined = true;
          // §10.1.2: a new room is locked until its owner accepts the default configuration.
          if (codes.includes('201')) {
            sendIQ('set', room.key, x('query', { xmlns: NS.mucOwner }, x('x', { xmlns: NS.data, type: 'submit' })));
          }
        }
      }
    }
    if (room === active) renderOccupants();
    renderLists();
  }

  // ------------------------------------------------------------------ messages

  function message(el) {
    const from = el.getAttribute('from') || '';
    const type = el.getAttribute('type') || 'normal';
    const fromBare = bare(from);
    const body = child(el, 'body');
    const delay = child(el, 'delay', NS.delay);
    const room = rooms.get(fromBare);
    if (type === 'error') {
      const condition = child(el, 'error') && child(el, 'error').children[0];
      const conv = room || chats.get(fromBare);
      if (conv) systemLine(conv, 'Not delivered: ' + (condition ? condition.localName : 'error'));
      return;
    }
    if (room && type === 'groupchat') {
      const subject = child(el, 'subject');
      // XEP-0045 §8.1: a subject without a body is the room's subject.
      if (subject && !body) {
        room.subject = textOf(subject);
        if (room === active) $('conv-subject').textContent = room.subject;
        return;
      }
      if (!body) return;
      const nick = resourceOf(from);
      addMessage(room, {
        from: nick, body: textOf(body), history: !!delay, stamp: delay ? delay.getAttribute('stamp') : null,
        mine: nick !== '' && nick === room.nick && !delay,
      });
      return;
    }
    if (!body) return;
    let conv;
    if (room) {
      // XEP-0045 §7.5: a private message from an occupant.
      conv = conversation(from, 'private', resourceOf(from) + ' (' + room.title + ')');
    } else {
      const contact = contacts.get(fromBare);
      conv = conversation(fromBare, 'chat', (contact && contact.name) || fromBare);
    }
    addMessage(conv, {
      from: room ? resourceOf(from) : localOf(fromBare), body: textOf(body), history: !!delay,
      stamp: delay ? delay.getAttribute('stamp') : null,
    });
  }

  function sendText(text) {
    if (!active || !text) return;
    if (active.kind === 'room') {
      send(x('message', { xmlns: NS.client, to: active.key, type: 'groupchat', id: nextId() }, x('body', null, text)));
      return;
    }
    send(x('message', { xmlns: NS.client, to: active.key, type: 'chat', id: nextId() }, x('body', null, text)));
    addMessage(active, { from: me.user, body: text, mine: true });
  }

  // ------------------------------------------------------------------ actions

  function qualify(text, domain) {
    const value = text.trim();
    return (value.includes('@') ? value : value + '@' + domain).toLowerCase();
  }

  function joinRoom(name, nick) {
    const jid = qualify(name, config.rooms);
    const room = conversation(jid, 'room', jid.endsWith('@' + config.rooms) ? localOf(jid) : jid);
    room.nick = nick;
    room.occupants.clear();
    // XEP-0045 §7.2.1 and §7.2.15: enter, with the last messages as history.
    send(x('presence', { xmlns: NS.client, to: jid + '/' + nick },
      x('x', { xmlns: NS.muc }, x('history', { maxstanzas: '50' }))));
    show(room);
  }

  /** XEP-0045 §7.14: leave the room shown, and forget it. */
  function leaveRoom() {
    if (!active || active.kind !== 'room') return;
    const room = active;
    if (room.nick) send(x('presence', { xmlns: NS.client, to: room.key + '/' + room.nick, type: 'unavailable' }));
    rooms.delete(room.key);
    chats.delete(room.key);
    showNothing();
    renderLists();
  }

  /** RFC 6121 §3.1.1: add to the roster, then ask to see the contact's presence. */
  async function addContact(jid) {
    await sendIQ('set', null, x('query', { xmlns: NS.roster }, x('item', { jid })));
    send(x('presence', { xmlns: NS.client, to: jid, type: 'subscribe' }));
  }

  /** RFC 6121 §3.1.4: approve (and ask back, so both see each other) or deny. */
  function answerRequest(from, allow, item) {
    send(x('presence', { xmlns: NS.client, to: from, type: allow ? 'subscribed' : 'unsubscribed' }));
    const contact = contacts.get(from);
    if (allow && (!contact || contact.subscription === 'none' || contact.subscription === 'from')) {
      send(x('presence', { xmlns: NS.client, to: from, type: 'subscribe' }));
    }
    item.remove();
    $('requests-section').hidden = $('requests').children.length === 0;
  }

  function logout() {
    if (ws) {
      send(x('presence', { xmlns: NS.client, type: 'unavailable' }));
      send(x('close', { xmlns: NS.framing }));
    }
    loggedOut('Logged out.');
  }

  // ------------------------------------------------------------------ wiring

  function wire() {
    $('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      if (ws) return;
      $('login-button').disabled = true;
      connect($('login-jid').value.trim(), $('login-password').value);
    });
    $('send-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = $('send-text').value;
      if (!text.trim()) return;
      sendText(text);
      $('send-text').value = '';
    });
    $('join-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const nick = $('join-nick').value.trim() || me.user;
      joinRoom($('join-room').value, nick);
      $('join-room').value = '';
    });
    $('add-contact-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const jid = qualify($('add-contact-jid').value, me.domain);
      $('add-contact-jid').value = '';
      addContact(jid);
    });
    $('logout').addEventListener('click', logout);
    $('leave').addEventListener('click', leaveRoom);
    $('my-show').addEventListener('change', sendPresence);
    $('menu-button').addEventListener('click', () => {
      const open = document.body.classList.toggle('menu-open');
      $('menu-button').setAttribute('aria-expanded', String(open));
    });
    window.addEventListener('beforeunload', () => { if (ws) send(x('close', { xmlns: NS.framing })); });
  }

  async function start() {
    wire();
    try {
      const response = await fetch('/chat/config.json', { cache: 'no-cache' });
      if (response.ok) config = await response.json();
    } catch (error) {
      // The defaults (this host's name) stay.
    }
    $('login-jid').placeholder = 'alice@' + config.domain;
    $('add-contact-jid').placeholder = 'bob@' + config.domain;
    $('join-room').title = 'A room name (at ' + config.rooms + ') or a full room address';
  }

  start();
})();
