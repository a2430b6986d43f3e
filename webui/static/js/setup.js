// The first-admin setup page (/setup): while no admin exists, the setup
// code from the server's log and an account make the first admin, who is
// then signed in and taken to the admin console.

import { api, $, show, say } from './api.js';
import { checkForm, clearFeedback, showError, watchForm } from './forms.js';

const fields = { code: 'setup-code', email: 'setup-email', display_name: 'setup-name', password: 'setup-password' };

async function submit(ev) {
  ev.preventDefault();
  const form = $('setup-form');
  clearFeedback(form);
  if (!checkForm(form)) return;
  const btn = $('setup-submit');
  btn.disabled = true;
  try {
    await api('POST', '/setup', {
      code: $('setup-code').value, email: $('setup-email').value.trim(),
      display_name: $('setup-name').value.trim(), password: $('setup-password').value,
    });
    location.assign('/admin');
  } catch (err) {
    if (err.problem && err.problem.reason === 'setup_done') {
      show('done');
      return;
    }
    showError(form, err, { fields: (f) => fields[f] });
  } finally {
    btn.disabled = false;
  }
}

async function init() {
  const { needed } = await api('GET', '/setup');
  if (!needed) {
    show('done');
    return;
  }
  show('setup');
  const form = $('setup-form');
  watchForm(form);
  form.onsubmit = submit;
  $('setup-code').focus();
}

init().catch((err) => say(err.message || String(err), 'error'));
