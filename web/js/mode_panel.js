// The console's room mode: slow mode, hold comments / questions for review,
// the room's blocked words (each with block, mask or hold), and the shield
// (newcomers held, guests read-only, slow mode ≥ 10 s) with its lift.
// The server reports only how many blocked words the room has, so the list
// edited here is kept in this tab (sessionStorage) and sent only when edited.

import { t } from './i18n.js';
import { el, $, $$, setText, storeGet, storeSet } from './dom.js';

const ACTIONS = ['block', 'mask', 'hold'];

export function createModePanel({ roomId, act }) {
    const wordsKey = 'liveroom.words.' + roomId;
    let mode = null;
    let wordsDirty = false;

    function wordRow(word = '', action = 'block') {
        const input = el('input', { class: 'word-text', maxlength: '50', placeholder: t('c.words.word'), 'aria-label': t('c.words.word') });
        input.value = word;
        const sel = el('select', { class: 'word-action', 'aria-label': t('c.words.action') }, ...ACTIONS.map((a) => el('option', { value: a }, t('c.words.' + a))));
        sel.value = ACTIONS.includes(action) ? action : 'block';
        return el('li', null, input, sel, el('button', { type: 'button', class: 'tiny', 'data-action': 'remove-word', 'aria-label': t('c.words.remove') }, '×'));
    }

    function words() {
        return $$('#words li')
            .map((li) => ({ word: li.querySelector('.word-text').value.trim(), action: li.querySelector('.word-action').value }))
            .filter((w) => w.word);
    }

    function setWords(list) {
        $('#words').replaceChildren(...list.map((w) => wordRow(w.word, w.action)));
    }

    function saved() {
        try {
            return JSON.parse(storeGet('session', wordsKey) || '[]');
        } catch {
            return [];
        }
    }

    function render(fillForm) {
        if (!mode) return;
        if (fillForm) {
            $('#mode-slow').value = String(mode.slow_seconds || 0);
            $('#mode-hold-comments').checked = !!mode.hold_comments;
            if (!wordsDirty) setWords(saved());
        }
        $('#mode-hold-questions').checked = !!mode.hold_questions;
        $('#qa-hold-quick').checked = !!mode.hold_questions;
        setText($('#mode-words-count'), t('c.mode.words.count', { n: typeof mode.blocked_words === 'number' ? mode.blocked_words : (mode.blocked_words || []).length }));
        const shield = mode.shield_minutes || 0;
        $('#shield-state').className = 'badge' + (shield ? ' on' : '');
        setText($('#shield-state'), shield ? t('c.shield.on', { m: shield }) : t('c.shield.off'));
        $('#shield-lift').hidden = !shield;
        document.documentElement.dataset.shield = String(shield);
    }

    function took(ack) {
        if (ack && ack.mode) {
            mode = ack.mode;
            render(false);
        }
    }

    $('#words-add').addEventListener('click', () => {
        $('#words').appendChild(wordRow());
        wordsDirty = true;
        $$('#words .word-text').at(-1).focus();
    });
    $('#words').addEventListener('click', (e) => {
        if (!e.target.closest('button[data-action=remove-word]')) return;
        e.target.closest('li').remove();
        wordsDirty = true;
    });
    $('#words').addEventListener('input', () => {
        wordsDirty = true;
    });

    $('#mode-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        const fields = {
            slow_seconds: Math.min(3600, Math.max(0, Number($('#mode-slow').value) || 0)),
            hold_comments: $('#mode-hold-comments').checked,
            hold_questions: $('#mode-hold-questions').checked,
        };
        const list = words();
        if (wordsDirty) fields.blocked_words = list.map((w) => (w.action === 'block' ? w.word : w));
        const ack = await act($('#mode-msg'), 'room.mode', fields, t('c.mode.applied'));
        if (ack) {
            if (wordsDirty) storeSet('session', wordsKey, JSON.stringify(list));
            wordsDirty = false;
            took(ack);
        }
    });

    $('#qa-hold-quick').addEventListener('change', async (e) => {
        took(await act($('#qa-msg'), 'room.mode', { hold_questions: e.target.checked }, t('c.mode.applied')));
        render(false);
    });

    $('#shield-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        const minutes = Math.min(1440, Math.max(1, Number($('#shield-minutes').value) || 10));
        took(await act($('#shield-msg'), 'room.mode', { shield_minutes: minutes }, t('c.shield.raised', { m: minutes })));
        render(true); // the shield changes slow mode
    });
    $('#shield-lift').addEventListener('click', async () => {
        took(await act($('#shield-msg'), 'room.mode', { shield_minutes: 0 }, t('c.shield.lifted')));
        render(true);
    });

    return {
        set(next, fillForm) {
            if (!next) return;
            mode = next;
            render(fillForm);
        },
        render,
    };
}
