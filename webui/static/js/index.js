// The start page: sign in, then links to the consoles and the queues. While
// no admin exists it points to the first-admin setup page.

import { api, me, $, show, say, el } from './api.js';
import { checkForm, clearFeedback, fieldError, humanMessage, showError, watchForm } from './forms.js';

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
    say(humanMessage(err), 'error');
  }
  show('home');
}

async function showLogin() {
  show('login');
  try {
    const { needed } = await api('GET', '/setup');
    $('setup-note').hidden = !needed;
  } catch {
    $('setup-note').hidden = true;
  }
}

watchForm($('login-form'));
$('login-form').onsubmit = async (ev) => {
  ev.preventDefault();
  const form = $('login-form');
  clearFeedback(form);
  if (!checkForm(form)) return;
  try {
    await api('POST', '/auth/login', { email: $('email').value.trim(), password: $('password').value });
    const who = await me();
    const next = new URLSearchParams(location.search).get('next');
    if (next && next.startsWith('/') && !next.startsWith('//')) {
      location.assign(next);
      return;
    }
    await home(who);
  } catch (err) {
    if (err.status === 401) fieldError($('password'), 'Wrong email or password.');
    else showError(form, err);
  }
};
$('btn-logout').onclick = async () => {
  await api('POST', '/auth/logout').catch(() => {});
  location.reload();
};

me().then((who) => (who && who.kind !== 'guest' ? home(who) : showLogin())).catch((err) => say(humanMessage(err), 'error'));
