// The start page: sign in, then links to the consoles and the queues.

import { api, me, $, show, say, el } from './api.js';

async function home(who) {
  $('hello').textContent = `Welcome, ${who.display_name || who.email}`;
  const links = $('links');
  links.replaceChildren();
  if (who.role === 'host' || who.role === 'admin') links.append(el('li', {}, el('a', { href: '/host', text: 'Host console' })));
  if (who.role === 'admin') links.append(el('li', {}, el('a', { href: '/admin', text: 'Admin console' })));
  const ql = $('queue-links');
  ql.replaceChildren();
  try {
    for (const q of await api('GET', '/queues')) {
      ql.append(el('li', {}, el('a', { href: `/q/${encodeURIComponent(q.slug)}`, text: q.name }),
        el('span', { text: q.status && q.status.open ? ' (open)' : ' (closed)' })));
    }
  } catch (err) {
    say(err.message, 'error');
  }
  show('home');
}

$('login-form').onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    await api('POST', '/auth/login', { email: $('email').value, password: $('password').value });
    const who = await me();
    const next = new URLSearchParams(location.search).get('next');
    if (next && next.startsWith('/') && !next.startsWith('//')) {
      location.assign(next);
      return;
    }
    await home(who);
  } catch (err) {
    say(err.status === 401 ? 'Wrong email or password.' : err.message, 'error');
  }
};
$('btn-logout').onclick = async () => {
  await api('POST', '/auth/logout').catch(() => {});
  location.reload();
};

me().then((who) => (who && who.kind !== 'guest' ? home(who) : show('login'))).catch((err) => say(err.message, 'error'));
