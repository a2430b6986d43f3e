// Feedback next to the control: an error appears under the field at fault
// (aria-invalid, aria-describedby) and takes the focus; a confirmation or a
// form-wide error appears beside the form's submit button. Starting a new
// submit, or typing into a field, clears the stale messages.

import { el } from './api.js';

/** clearFeedback removes every field error and the form message of form. */
export function clearFeedback(form) {
  for (const p of form.querySelectorAll('.field-error')) p.remove();
  for (const i of form.querySelectorAll('[aria-invalid="true"]')) unmarkField(i);
  const m = formMsg(form);
  if (m) {
    m.textContent = '';
    delete m.dataset.kind;
  }
}

function unmarkField(input) {
  input.removeAttribute('aria-invalid');
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== `${input.id}-error`);
  if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
  else input.removeAttribute('aria-describedby');
}

/** clearField removes input's own error, if any. */
export function clearField(input) {
  const p = document.getElementById(`${input.id}-error`);
  if (p) p.remove();
  unmarkField(input);
}

/**
 * fieldError shows text under input (the element with id `<input.id>-error`,
 * class field-error), marks input invalid and, with focus (default), moves
 * the focus to it. It returns the message element.
 */
export function fieldError(input, text, { focus = true } = {}) {
  let p = document.getElementById(`${input.id}-error`);
  if (!p) {
    p = el('p', { class: 'field-error', id: `${input.id}-error` });
    // After the control (or after its row, for controls inside one).
    const anchor = input.closest('.field-row') || input;
    anchor.after(p);
  }
  p.textContent = text;
  input.setAttribute('aria-invalid', 'true');
  const ids = new Set((input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  ids.add(p.id);
  input.setAttribute('aria-describedby', [...ids].join(' '));
  if (focus) {
    input.focus();
    input.scrollIntoView({ block: 'center' });
  }
  return p;
}

function formMsg(form) {
  return form.querySelector('.form-msg');
}

/**
 * formMessage shows text beside form's submit button: kind "ok" for a
 * confirmation, "error" for an error that belongs to no one field.
 */
export function formMessage(form, text, kind = 'ok') {
  const m = formMsg(form);
  if (!m) return;
  m.textContent = text;
  m.dataset.kind = kind;
}

/**
 * watchForm clears a field's error when it is edited, and the form's
 * confirmation when anything is edited.
 */
export function watchForm(form) {
  const onEdit = (ev) => {
    const t = ev.target;
    if (t && t.id && t.getAttribute('aria-invalid') === 'true') clearField(t);
    const m = formMsg(form);
    if (m && m.dataset.kind === 'ok') {
      m.textContent = '';
      delete m.dataset.kind;
    }
  };
  form.addEventListener('input', onEdit);
  form.addEventListener('change', onEdit);
}

/**
 * validityMessage returns a sentence for an input that fails its own
 * constraints (required, type, pattern, min/max, length), or "" when it
 * passes. messages[input.id] overrides the pattern message.
 */
export function validityMessage(input, messages = {}) {
  const v = input.validity;
  if (!v || v.valid) return '';
  const label = (input.labels && input.labels[0] ? input.labels[0].textContent : input.name || 'This field').replace(/\s*\(.*\)\s*$/, '').trim();
  if (v.valueMissing) return `${label}: please fill this in.`;
  if (v.patternMismatch) return messages[input.id] || `${label}: this format is not accepted.`;
  if (v.typeMismatch && input.type === 'email') return 'Enter an email address like name@example.com.';
  if (v.tooShort) return `${label}: at least ${input.minLength} characters.`;
  if (v.tooLong) return `${label}: at most ${input.maxLength} characters.`;
  if (v.rangeUnderflow) return `${label}: at least ${input.min}.`;
  if (v.rangeOverflow) return `${label}: at most ${input.max}.`;
  if (v.badInput || v.stepMismatch) return `${label}: enter a whole number.`;
  return `${label}: ${input.validationMessage}`;
}

/**
 * checkForm shows an error at every control of form that fails its own
 * constraints, focuses the first, and reports whether all pass.
 */
export function checkForm(form, messages = {}) {
  let first = null;
  for (const input of form.querySelectorAll('input, select, textarea')) {
    if (input.disabled || input.type === 'hidden' || input.closest('[hidden]')) continue;
    const text = validityMessage(input, messages);
    if (!text) continue;
    fieldError(input, text, { focus: !first });
    first = first || input;
  }
  return !first;
}

/** internal matches details written for programmers rather than people. */
const internal = /^(internal error|bad JSON body|HTTP \d+)|^[a-z][a-z0-9_/.]*:|\b(bolt|mongo|mongodb|queue|auth|hours|store|echo|json):/;

/** isHuman reports whether a problem detail is written for people. */
export function isHuman(detail) {
  return !!detail && !internal.test(detail);
}

/** statusText are fallback sentences by HTTP status. */
const statusText = {
  400: 'Please check what you entered.',
  401: 'Your session has ended. Sign in again.',
  403: 'You are not allowed to do this. Sign in with an admin account.',
  404: 'This no longer exists. Reload the page.',
  409: 'This clashes with a change made meanwhile. Reload the page and try again.',
  413: 'That is too long.',
  422: 'Please check what you entered.',
  429: 'Too many attempts. Wait a moment and try again.',
};

/**
 * humanMessage returns a sentence for err: the server's problem detail
 * when it is written for people, else a sentence for its status (or for a
 * network failure).
 */
export function humanMessage(err) {
  if (!err || err.status === undefined) return 'The server could not be reached. Check the connection and try again.';
  const detail = err.problem && err.problem.detail;
  if (isHuman(detail)) return detail;
  if (statusText[err.status]) return statusText[err.status];
  return 'Something went wrong on the server. Try again in a moment.';
}

/**
 * showError puts err where it belongs: under the field its problem names
 * (fields maps a problem "field" to an input id, or a function of the field
 * returning one) or, by reason, under reasons[reason].field with
 * reasons[reason].text; else beside the submit button. The focus moves to
 * the field, or to the message.
 */
export function showError(form, err, { fields = () => null, reasons = {} } = {}) {
  const p = (err && err.problem) || {};
  const byReason = reasons[p.reason] || reasons[err && err.status];
  let text = humanMessage(err);
  let id = p.field ? fields(p.field) : null;
  if (byReason) {
    if (!id && byReason.field) id = byReason.field;
    if (byReason.text && !isHuman(p.detail)) text = byReason.text;
  }
  const input = id && document.getElementById(id);
  if (input) {
    fieldError(input, text);
    return;
  }
  formMessage(form, text, 'error');
  const m = formMsg(form);
  if (m) {
    m.tabIndex = -1;
    m.focus();
  }
}
