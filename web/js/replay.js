// The replay of an ended room, on the same page: every event is paged in from
// GET /api/rooms/{id}/replay?from=&limit= and a time slider (by event ts)
// rebuilds the room as it was at that moment with model.js, so the card,
// comments, answered questions and quiz results shown are those of that time.

import { t, clock } from './i18n.js';
import { $, setText, storeGet } from './dom.js';
import { emptyRoom, applyEvent } from './model.js';

const PAGE = 1000;
const MAX_PAGES = 500; // 500,000 events: far above any evening's log

/** Every event of the room, in seq order. */
export async function loadReplay(roomId, fetchFn = fetch) {
    const token = storeGet('local', 'liveroom.token');
    const headers = token ? { Authorization: 'Bearer ' + token } : {};
    const events = [];
    let from = 1;
    for (let page = 0; page < MAX_PAGES && from !== null && from !== undefined; page++) {
        const res = await fetchFn('/api/rooms/' + encodeURIComponent(roomId) + '/replay?from=' + from + '&limit=' + PAGE, { headers });
        if (!res.ok) throw new Error('HTTP ' + res.status);
        const body = await res.json();
        events.push(...(body.events || []));
        from = body.next ?? null;
    }
    return events;
}

/** The room as it was at time `until` (ms), from the events before it. */
export function roomAt(events, until, cards) {
    const m = emptyRoom();
    for (const ev of events) {
        if (ev.ts > until) break;
        applyEvent(m, ev);
    }
    // Cards known from elsewhere (the deck) still resolve answers' card_id.
    if (cards) for (const [id, c] of cards) if (!m.cards.has(id)) m.cards.set(id, c);
    return m;
}

/**
 * Shows the replay panel and wires its slider and play button. onSeek(room,
 * atEnd) is called with the rebuilt room at every move. Resolves once loaded.
 */
export function createReplay({ roomId, onSeek, knownCards }) {
    let events = null;
    let loading = null;
    let timer = null;
    const slider = $('#replay-slider');
    const play = $('#replay-play');
    let t0 = 0;
    let t1 = 0;

    function seek() {
        const until = t0 + Number(slider.value);
        const atEnd = Number(slider.value) >= Number(slider.max);
        setText($('#replay-time'), clock(until) + ' / ' + clock(t1));
        document.documentElement.dataset.replayAt = String(until);
        onSeek(roomAt(events, atEnd ? Infinity : until, knownCards()), atEnd);
    }

    function stop() {
        clearInterval(timer);
        timer = null;
        setText(play, t('replay.play'));
    }

    slider.addEventListener('input', () => {
        if (events) seek();
    });
    play.addEventListener('click', () => {
        if (!events) return;
        if (timer) return stop();
        if (Number(slider.value) >= Number(slider.max)) slider.value = '0';
        setText(play, t('replay.pause'));
        // 10× speed, at least 60 steps for a short room.
        const stepMs = Math.max(5000, Math.ceil(Number(slider.max) / 60));
        timer = setInterval(() => {
            const v = Math.min(Number(slider.max), Number(slider.value) + stepMs);
            slider.value = String(v);
            seek();
            if (v >= Number(slider.max)) stop();
        }, 500);
    });

    async function start() {
        $('#replay').hidden = false;
        if (loading) return loading;
        loading = (async () => {
            setText($('#replay-msg'), t('replay.loading'));
            let all;
            try {
                all = await loadReplay(roomId);
            } catch {
                setText($('#replay-msg'), t('replay.unavailable'));
                loading = null; // may be tried again
                return;
            }
            events = all.filter((e) => typeof e.ts === 'number');
            if (!events.length) {
                setText($('#replay-msg'), t('replay.unavailable'));
                return;
            }
            t0 = events[0].ts;
            t1 = events[events.length - 1].ts;
            slider.min = '0';
            slider.max = String(Math.max(1, t1 - t0));
            slider.step = '1';
            slider.value = slider.max;
            setText($('#replay-msg'), t('replay.count', { n: events.length }));
            $('#replay-controls').hidden = false;
            document.documentElement.dataset.replay = 'ready';
            seek();
        })();
        return loading;
    }

    return { start, stop };
}
