// /products.html: create products, list the ones this browser knows, delete them.
import { api, describeFailure, el, fetchByIds, money, parseIds, remembered, say, showNode, when } from '/assets/api.js';

const known = remembered('products');
const createForm = document.getElementById('create-form');
const createStatus = document.getElementById('create-status');
const idsForm = document.getElementById('ids-form');
const listStatus = document.getElementById('list-status');
const rows = document.querySelector('#products tbody');

createForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(createForm);
  const body = {
    sku: form.get('sku').trim(),
    name: form.get('name').trim(),
    description: form.get('description').trim() || null,
    price: Number(form.get('price')),
  };
  say(createStatus, 'Creating…');
  try {
    const answer = await api('POST', '/api/products', body);
    if (!answer.ok) {
      say(createStatus, `Not created: ${describeFailure(answer)}`, 'error');
      return;
    }
    known.add(answer.json.id);
    createForm.reset();
    say(createStatus, `Created product ${answer.json.id} (${answer.json.sku}).`, 'ok');
    await refresh();
  } catch (e) {
    say(createStatus, `Not created: ${e.message}`, 'error');
  }
});

idsForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const ids = parseIds(new FormData(idsForm).get('ids'));
    const found = await fetchByIds('products', ids);
    known.add(...found.map((p) => p.id));
    say(listStatus, `${found.length} of ${ids.length} id(s) found.`, 'ok');
    idsForm.reset();
    await refresh(false);
  } catch (e) {
    say(listStatus, e.message, 'error');
  }
});

document.getElementById('forget').addEventListener('click', async () => {
  known.clear();
  say(listStatus, 'The list is empty; the products are still there.');
  await refresh(false);
});

async function remove(product) {
  if (!confirm(`Delete product ${product.id} (${product.sku})?`)) {
    return;
  }
  const answer = await api('DELETE', `/api/products/${product.id}`);
  if (answer.status === 204 || answer.status === 404) {
    known.remove(product.id);
    say(listStatus, answer.status === 204 ? `Deleted product ${product.id}.` : `Product ${product.id} was already gone.`, 'ok');
    await refresh(false);
  } else {
    say(listStatus, `Not deleted: ${describeFailure(answer)}`, 'error');
  }
}

async function refresh(announce = true) {
  const ids = known.list();
  let products = [];
  try {
    products = await fetchByIds('products', ids);
  } catch (e) {
    say(listStatus, `Could not read the products: ${e.message}`, 'error');
    return;
  }
  // Ids that no longer answer were deleted (here or elsewhere): stop listing them.
  known.keepOnly(products.map((p) => p.id));
  rows.replaceChildren(...(products.length === 0
    ? [el('tr', { class: 'empty' }, el('td', { colspan: 7 }, 'No products yet: create one above.'))]
    : products.map((p) => el('tr', { 'data-id': p.id, 'data-sku': p.sku },
      el('td', { class: 'num' }, p.id),
      el('td', { class: 'mono' }, p.sku),
      el('td', {}, el('a', { href: `/product.html?id=${p.id}` }, p.name)),
      el('td', { class: 'num' }, money(p.price)),
      el('td', { class: 'num' }, p.version),
      el('td', {}, when(p.updatedAt)),
      el('td', { class: 'actions' },
        el('a', { href: `/product.html?id=${p.id}`, class: 'open' }, 'open'),
        el('button', { type: 'button', class: 'small danger', onclick: () => remove(p) }, 'delete'))))));
  if (announce && products.length > 0 && !listStatus.textContent) {
    say(listStatus, `${products.length} product(s).`);
  }
}

showNode();
refresh();
