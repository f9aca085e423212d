// /product.html?id=N: one product, the tier that served each read of it (X-Cache), its edit form and delete.
import { api, describeFailure, el, money, remembered, say, showNode, TIER_MEANING, tierBadge, when } from '/assets/api.js';

const id = new URLSearchParams(location.search).get('id');
const known = remembered('products');
const loadStatus = document.getElementById('load-status');
const editStatus = document.getElementById('edit-status');
const editForm = document.getElementById('edit-form');
const reads = document.getElementById('reads');
let current = null;

function show(product) {
  current = product;
  document.title = `${product.name} · tiered-jpa demo`;
  document.getElementById('title').textContent = `Product ${product.id}: ${product.name}`;
  document.getElementById('sku').textContent = product.sku;
  document.getElementById('name').textContent = product.name;
  document.getElementById('description').textContent = product.description ?? '—';
  document.getElementById('price').textContent = money(product.price);
  document.getElementById('version').textContent = product.version;
  document.getElementById('updated').textContent = when(product.updatedAt);
  document.getElementById('product-panels').hidden = false;
}

function fillForm(product) {
  editForm.elements.sku.value = product.sku;
  editForm.elements.name.value = product.name;
  editForm.elements.description.value = product.description ?? '';
  editForm.elements.price.value = money(product.price);
}

/** Reads the product and shows it with the tier that served it; answers whether it was found. */
async function load() {
  let answer;
  try {
    answer = await api('GET', `/api/products/${encodeURIComponent(id)}`);
  } catch (e) {
    say(loadStatus, `Could not reach the service: ${e.message}`, 'error');
    return false;
  }
  if (!answer.ok) {
    if (answer.status === 404) {
      known.remove(Number(id));
    }
    document.getElementById('product-panels').hidden = true;
    say(loadStatus, `No product to show: ${describeFailure(answer)}`, 'error');
    return false;
  }
  const tier = answer.headers.get('X-Cache') || '?';
  const age = answer.headers.get('Age');
  document.getElementById('tier').replaceChildren(tierBadge(tier));
  document.getElementById('tier-meaning').textContent =
    (TIER_MEANING[tier] || 'no X-Cache header') + (age ? `, ${age} s old` : '');
  reads.prepend(el('li', {}, tierBadge(tier), ` version ${answer.json.version}, ${answer.millis.toFixed(1)} ms, `,
    new Date().toLocaleTimeString()));
  while (reads.children.length > 10) {
    reads.lastElementChild.remove();
  }
  known.add(answer.json.id);
  show(answer.json);
  say(loadStatus, '');
  return true;
}

editForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(editForm);
  const body = {
    sku: form.get('sku').trim(),
    name: form.get('name').trim(),
    description: form.get('description').trim() || null,
    price: Number(form.get('price')),
  };
  say(editStatus, 'Saving…');
  const answer = await api('PUT', `/api/products/${current.id}`, body, { 'If-Match': `"${current.version}"` });
  if (answer.ok) {
    say(editStatus, `Saved: version ${answer.json.version}, price ${money(answer.json.price)}.`, 'ok');
    // Read it back, to show the saved product and the tier that now serves it.
    await load();
    fillForm(current);
  } else if (answer.status === 409) {
    say(editStatus, `Not saved: it was changed meanwhile (${describeFailure(answer)}). Shown now: the current version; your edits are still in the form.`, 'error');
    await load();
  } else {
    say(editStatus, `Not saved: ${describeFailure(answer)}`, 'error');
  }
});

document.getElementById('reload').addEventListener('click', load);

document.getElementById('delete').addEventListener('click', async () => {
  if (!confirm(`Delete product ${current.id} (${current.sku})?`)) {
    return;
  }
  const answer = await api('DELETE', `/api/products/${current.id}`);
  if (answer.status === 204 || answer.status === 404) {
    known.remove(current.id);
    location.href = '/products.html';
  } else {
    say(editStatus, `Not deleted: ${describeFailure(answer)}`, 'error');
  }
});

showNode();
if (!id) {
  say(loadStatus, 'No product id: open this page as /product.html?id=<id>.', 'error');
} else if (await load()) {
  fillForm(current);
}
