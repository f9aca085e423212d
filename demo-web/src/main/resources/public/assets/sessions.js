// /sessions.html: open sessions for users, look them up (which extends them), close them.
// The list is what this browser last saw of each session: reading a session extends it, so the page does
// not read them all on its own; each row's "look up" does.
import { api, describeFailure, el, say, showNode, when } from '/assets/api.js';

const STORE = 'tiered-jpa-demo.sessions';
const openForm = document.getElementById('open-form');
const openStatus = document.getElementById('open-status');
const tokenForm = document.getElementById('token-form');
const listStatus = document.getElementById('list-status');
const rows = document.querySelector('#sessions tbody');

/** token -> {token, userId, createdAt, lastSeenAt, expiresAt, state, checkedAt}, in the order opened. */
function load() {
  try {
    const value = JSON.parse(localStorage.getItem(STORE) || '[]');
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

function save(sessions) {
  localStorage.setItem(STORE, JSON.stringify(sessions));
}

function upsert(entry) {
  const sessions = load();
  const index = sessions.findIndex((s) => s.token === entry.token);
  if (index >= 0) {
    sessions[index] = { ...sessions[index], ...entry };
  } else {
    sessions.push(entry);
  }
  save(sessions);
}

function forget(token) {
  save(load().filter((s) => s.token !== token));
}

openForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const userId = Number(new FormData(openForm).get('userId'));
  say(openStatus, 'Opening…');
  const answer = await api('POST', '/api/sessions', { userId });
  if (!answer.ok) {
    say(openStatus, `Not opened: ${describeFailure(answer)}`, 'error');
    return;
  }
  upsert({ ...answer.json, state: 'open', checkedAt: new Date().toISOString() });
  say(openStatus, `Opened a session for user ${answer.json.userId}, until ${when(answer.json.expiresAt)}.`, 'ok');
  render();
});

async function lookUp(token) {
  const answer = await api('GET', `/api/sessions/${encodeURIComponent(token)}`);
  const checkedAt = new Date().toISOString();
  if (answer.ok) {
    upsert({ ...answer.json, state: 'open', checkedAt });
    say(listStatus, `Session of user ${answer.json.userId} found and extended, until ${when(answer.json.expiresAt)}.`, 'ok');
  } else if (answer.status === 404) {
    if (load().some((s) => s.token === token)) {
      upsert({ token, state: 'gone', checkedAt });
    }
    say(listStatus, 'No such session: unknown, closed or expired.', 'error');
  } else {
    say(listStatus, `Could not look it up: ${describeFailure(answer)}`, 'error');
  }
  render();
}

async function close(token) {
  const answer = await api('DELETE', `/api/sessions/${encodeURIComponent(token)}`);
  if (answer.status === 204 || answer.status === 404) {
    upsert({ token, state: 'closed', checkedAt: new Date().toISOString() });
    say(listStatus, answer.status === 204 ? 'Session closed.' : 'That session was already gone.', 'ok');
  } else {
    say(listStatus, `Not closed: ${describeFailure(answer)}`, 'error');
  }
  render();
}

tokenForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = new FormData(tokenForm).get('token').trim();
  if (token) {
    tokenForm.reset();
    await lookUp(token);
  }
});

document.getElementById('forget').addEventListener('click', () => {
  save([]);
  say(listStatus, 'The list is empty; open sessions stay open.');
  render();
});

function render() {
  const sessions = load();
  rows.replaceChildren(...(sessions.length === 0
    ? [el('tr', { class: 'empty' }, el('td', { colspan: 7 }, 'No sessions opened here yet.'))]
    : sessions.map((s) => el('tr', { 'data-token': s.token, 'data-state': s.state },
      el('td', { class: 'mono', title: s.token }, `${s.token.slice(0, 12)}…`),
      el('td', { class: 'num' }, s.userId ?? ''),
      el('td', {}, when(s.createdAt)),
      el('td', {}, when(s.lastSeenAt)),
      el('td', {}, when(s.expiresAt)),
      el('td', {}, el('span', { class: `badge ${s.state === 'open' ? 'UP' : 'DOWN'}` }, s.state),
        el('div', { class: 'hint' }, `as of ${when(s.checkedAt)}`)),
      el('td', { class: 'actions' },
        el('button', { type: 'button', class: 'small secondary lookup', onclick: () => lookUp(s.token) }, 'look up'),
        s.state === 'open'
          ? el('button', { type: 'button', class: 'small danger close', onclick: () => close(s.token) }, 'close')
          : el('button', { type: 'button', class: 'small secondary', onclick: () => { forget(s.token); render(); } }, 'forget'))))));
}

const userId = new URLSearchParams(location.search).get('userId');
if (userId) {
  openForm.elements.userId.value = userId;
}
showNode();
render();
