// What every page shares: calls to the JSON API, DOM building without innerHTML, the ids this browser knows.

/**
 * Calls the API and reads its answer; never throws for an HTTP status (check `ok`), only when the
 * service cannot be reached. `millis` is the round trip as the browser measured it.
 */
export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const started = performance.now();
  const response = await fetch(path, init);
  const text = await response.text();
  const millis = performance.now() - started;
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  return { status: response.status, ok: response.ok, headers: response.headers, json, text, millis };
}

/** One line saying why the API refused: its status, its message and the field at fault. */
export function describeFailure(answer) {
  const parts = [`${answer.status}`];
  if (answer.json && answer.json.error) {
    parts.push(answer.json.error);
  } else if (answer.text) {
    parts.push(answer.text.slice(0, 200));
  }
  if (answer.json && answer.json.field) {
    parts.push(`(field: ${answer.json.field})`);
  }
  const retryAfter = answer.headers.get('Retry-After');
  if (retryAfter) {
    parts.push(`- retry after ${retryAfter} s`);
  }
  return parts.join(' ');
}

/** Builds an element: el('a', {href: '/x', class: 'y'}, 'text', child, ...). Text is never parsed as HTML. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

/** Shows a message in a status line; `kind` is 'ok', 'error' or '' (neutral). */
export function say(element, message, kind = '') {
  element.textContent = message;
  element.className = `status ${kind}`.trim();
}

/** The tier badge of an `X-Cache` value (L1, L2, DB or STALE). */
export function tierBadge(tier) {
  return el('span', { class: `badge ${tier || ''}`, 'data-tier': tier || '' }, tier || '?');
}

/** What each tier is, in a few words. */
export const TIER_MEANING = {
  L1: "this node's memory (Ehcache)",
  L2: 'the shared Redis',
  DB: 'the database',
  STALE: 'an expired copy, because the database failed',
};

/** A price as the API keeps it: two decimals. */
export function money(value) {
  const number = Number(value);
  return Number.isFinite(number) ? number.toFixed(2) : String(value);
}

/** An ISO-8601 instant in the browser's local time, or '' when absent. */
export function when(iso) {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/**
 * The ids (or tokens) of one kind that this browser has created or opened, kept in localStorage: the API
 * answers lists of ids it is given (`GET /api/products?ids=`), not "all products", so a page lists these.
 */
export function remembered(kind) {
  const key = `tiered-jpa-demo.${kind}`;
  const read = () => {
    try {
      const value = JSON.parse(localStorage.getItem(key) || '[]');
      return Array.isArray(value) ? value : [];
    } catch {
      return [];
    }
  };
  const write = (values) => localStorage.setItem(key, JSON.stringify(values));
  return {
    list: read,
    add(...values) {
      const current = read();
      for (const value of values) {
        if (!current.includes(value)) {
          current.push(value);
        }
      }
      write(current);
    },
    remove(value) {
      write(read().filter((v) => v !== value));
    },
    keepOnly(values) {
      write(read().filter((v) => values.includes(v)));
    },
    clear() {
      write([]);
    },
  };
}

/**
 * Reads "1-20, 42 7" into ids [1..20, 42, 7]; throws with a message on anything else. At most `limit` ids,
 * the API's own bound for one `?ids=` lookup.
 */
export function parseIds(text, limit = 1000) {
  const ids = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const range = /^(\d{1,18})(?:-(\d{1,18}))?$/.exec(part);
    if (!range) {
      throw new Error(`'${part}' is neither an id nor a range such as 1-20`);
    }
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (from < 1 || to < from) {
      throw new Error(`'${part}' is not a range of positive ids`);
    }
    for (let id = from; id <= to; id++) {
      ids.push(id);
      if (ids.length > limit) {
        throw new Error(`at most ${limit} ids at once`);
      }
    }
  }
  return ids;
}

/** Reads ids in batches the API accepts, keeping the asked order; answers the entities found. */
export async function fetchByIds(resource, ids) {
  const found = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const answer = await api('GET', `/api/${resource}?ids=${batch.join(',')}`);
    if (!answer.ok) {
      throw new Error(describeFailure(answer));
    }
    found.push(...answer.json);
  }
  return found;
}

/** Fills the header's node line from /health: the node's name and status. */
export async function showNode() {
  const target = document.getElementById('node');
  if (!target) {
    return;
  }
  try {
    const answer = await api('GET', '/health');
    const health = answer.json || {};
    target.replaceChildren('node ', el('b', {}, health.node || '?'), ' ', el('span', { class: `badge ${health.status}` }, health.status || answer.status));
  } catch (e) {
    target.replaceChildren(el('span', { class: 'badge DOWN' }, 'unreachable'));
  }
}
