// /users.html: create, edit and delete users; list the ones this browser knows.
import { api, describeFailure, el, fetchByIds, parseIds, remembered, say, showNode, TIER_MEANING, when } from '/assets/api.js';

const known = remembered('users');
const form = document.getElementById('user-form');
const formTitle = document.getElementById('form-title');
const submit = document.getElementById('submit');
const cancel = document.getElementById('cancel');
const formStatus = document.getElementById('form-status');
const idsForm = document.getElementById('ids-form');
const listStatus = document.getElementById('list-status');
const rows = document.querySelector('#users tbody');
let editing = null; // the user being edited, as read, or null when creating

function createMode() {
  editing = null;
  form.reset();
  formTitle.textContent = 'New user';
  submit.textContent = 'Create';
  cancel.hidden = true;
}

async function editMode(id) {
  // Read it fresh, for its current version.
  const answer = await api('GET', `/api/users/${id}`);
  if (!answer.ok) {
    say(formStatus, `Cannot edit user ${id}: ${describeFailure(answer)}`, 'error');
    await refresh();
    return;
  }
  editing = answer.json;
  form.elements.email.value = editing.email;
  form.elements.name.value = editing.name;
  formTitle.textContent = `Edit user ${editing.id}`;
  submit.textContent = 'Save';
  cancel.hidden = false;
  const tier = answer.headers.get('X-Cache');
  say(formStatus, `Read version ${editing.version} from ${tier} (${TIER_MEANING[tier] || '?'}).`);
  form.elements.email.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const body = { email: data.get('email').trim(), name: data.get('name').trim() };
  const answer = editing
    ? await api('PUT', `/api/users/${editing.id}`, body, { 'If-Match': `"${editing.version}"` })
    : await api('POST', '/api/users', body);
  if (!answer.ok) {
    const verb = editing ? 'saved' : 'created';
    say(formStatus, `Not ${verb}: ${describeFailure(answer)}`, 'error');
    return;
  }
  known.add(answer.json.id);
  say(formStatus, editing
    ? `Saved user ${answer.json.id}: version ${answer.json.version}.`
    : `Created user ${answer.json.id} (${answer.json.email}).`, 'ok');
  createMode();
  await refresh();
});

cancel.addEventListener('click', () => {
  createMode();
  say(formStatus, '');
});

idsForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const ids = parseIds(new FormData(idsForm).get('ids'));
    const found = await fetchByIds('users', ids);
    known.add(...found.map((u) => u.id));
    say(listStatus, `${found.length} of ${ids.length} id(s) found.`, 'ok');
    idsForm.reset();
    await refresh();
  } catch (e) {
    say(listStatus, e.message, 'error');
  }
});

document.getElementById('forget').addEventListener('click', async () => {
  known.clear();
  say(listStatus, 'The list is empty; the users are still there.');
  await refresh();
});

async function remove(user) {
  if (!confirm(`Delete user ${user.id} (${user.email}) and their sessions?`)) {
    return;
  }
  const answer = await api('DELETE', `/api/users/${user.id}`);
  if (answer.status === 204 || answer.status === 404) {
    known.remove(user.id);
    if (editing && editing.id === user.id) {
      createMode();
    }
    say(listStatus, answer.status === 204 ? `Deleted user ${user.id}.` : `User ${user.id} was already gone.`, 'ok');
    await refresh();
  } else {
    say(listStatus, `Not deleted: ${describeFailure(answer)}`, 'error');
  }
}

async function refresh() {
  let users;
  try {
    users = await fetchByIds('users', known.list());
  } catch (e) {
    say(listStatus, `Could not read the users: ${e.message}`, 'error');
    return;
  }
  known.keepOnly(users.map((u) => u.id));
  rows.replaceChildren(...(users.length === 0
    ? [el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'No users yet: create one above.'))]
    : users.map((u) => el('tr', { 'data-id': u.id, 'data-email': u.email },
      el('td', { class: 'num' }, u.id),
      el('td', {}, u.email),
      el('td', {}, u.name),
      el('td', { class: 'num' }, u.version),
      el('td', {}, when(u.createdAt)),
      el('td', { class: 'actions' },
        el('button', { type: 'button', class: 'small secondary edit', onclick: () => editMode(u.id) }, 'edit'),
        el('a', { href: `/sessions.html?userId=${u.id}`, class: 'session' }, 'open a session'),
        el('button', { type: 'button', class: 'small danger', onclick: () => remove(u) }, 'delete'))))));
}

showNode();
refresh();
