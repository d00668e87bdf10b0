// DOM helpers. Text always goes in as text nodes: nothing here ever parses
// HTML, so user text cannot become markup.

/**
 * el('li', {class: 'q', 'data-id': id}, 'text', otherNode) → element.
 * Strings (and numbers) become text nodes; null/undefined/false are skipped.
 * Attributes named on* or style are refused (CSP forbids them anyway).
 */
export function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
        for (const [k, v] of Object.entries(attrs)) {
            if (v === undefined || v === null || v === false) continue;
            if (/^on/i.test(k) || k === 'style') throw new Error('el: refusing attribute ' + k);
            if (k === 'class') node.className = v;
            else if (k === 'text') node.textContent = v;
            else node.setAttribute(k, v === true ? '' : String(v));
        }
    }
    append(node, children);
    return node;
}

function append(node, children) {
    for (const c of children) {
        if (c === null || c === undefined || c === false) continue;
        if (Array.isArray(c)) append(node, c);
        else if (c instanceof Node) node.appendChild(c);
        else node.appendChild(document.createTextNode(String(c)));
    }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Sets an element's text (never HTML). */
export function setText(node, text) {
    if (node && node.textContent !== String(text ?? '')) node.textContent = String(text ?? '');
}

/**
 * Puts multi-line text into a node: one text node per line with <br> between,
 * so line breaks show on every browser without relying on CSS alone.
 */
export function setLines(node, text) {
    node.replaceChildren();
    const lines = String(text ?? '').split('\n');
    lines.forEach((line, i) => {
        if (i > 0) node.appendChild(document.createElement('br'));
        node.appendChild(document.createTextNode(line));
    });
}

/** Only http(s) links are followed; anything else (javascript:, data:) is dropped. */
export function safeUrl(url) {
    try {
        const u = new URL(String(url), location.href);
        return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch {
        return null;
    }
}

/**
 * Runs fn at most once per animation frame, however often it is asked. A timer
 * backs the frame up: background windows get few or no frames, and their
 * state must still be current when they come back.
 */
export function batched(fn) {
    let queued = false;
    let timer = null;
    const run = () => {
        if (!queued) return;
        queued = false;
        clearTimeout(timer);
        fn();
    };
    return () => {
        if (queued) return;
        queued = true;
        if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
        timer = setTimeout(run, 100);
    };
}

/** The room id from /room/{id}, /console/{id} or /dashboard/{id}. */
export function roomFromPath() {
    const parts = location.pathname.split('/').filter(Boolean);
    return parts.length >= 2 ? decodeURIComponent(parts[1]) : 'demo';
}

export function store(kind) {
    try {
        return kind === 'local' ? localStorage : sessionStorage;
    } catch {
        return null;
    }
}

export function storeGet(kind, key) {
    try {
        return store(kind)?.getItem(key) ?? null;
    } catch {
        return null;
    }
}

export function storeSet(kind, key, value) {
    try {
        if (value === null || value === undefined) store(kind)?.removeItem(key);
        else store(kind)?.setItem(key, value);
    } catch {
        /* storage full or disabled */
    }
}
