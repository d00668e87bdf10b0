// The room as the pages see it: a plain object built from a welcome snapshot
// and changed by room events. The live page and the replay use the same
// reducer, so both render the same way.

export const MAX_COMMENTS = 200;

export function emptyRoom() {
    return {
        status: 'scheduled',
        endsAt: 0,
        extended: false,
        card: null,
        cards: new Map(), // every card seen, by id (answers refer to them)
        notice: '',
        questions: new Map(), // id → question
        comments: [], // oldest first, at most MAX_COMMENTS
        quiz: null, // {id, question, options, multi, closes_at?, seed_hash, counts?, total?, correct?, correct_count?, closed}
        quizzes: new Map(), // id → the same objects, for draws to find their seed_hash
        draws: [],
        leaderboard: null, // {quiz, top: [{rank, id, name, score, right}]}
        moderation: null, // public counts {held, removed, blocked, muted, banned}
        title: '',
        segments: [],
        presence: { online: 0, peak: 0, views: 0, likes: 0 },
        lastTs: 0,
    };
}

/** Replaces the room with a welcome's state. */
export function fromSnapshot(state) {
    const m = emptyRoom();
    if (!state) return m;
    m.status = state.status || 'scheduled';
    m.endsAt = state.ends_at || 0;
    if (state.card) {
        m.card = state.card;
        m.cards.set(state.card.id, state.card);
    }
    m.notice = state.notice || '';
    for (const q of state.questions || []) m.questions.set(q.id, q);
    m.comments = (state.comments || []).slice(-MAX_COMMENTS);
    if (state.quiz_result) {
        // The last reveal, for late joiners: shown until a new quiz opens.
        const r = { ...state.quiz_result, closed: true };
        m.quizzes.set(r.id, r);
        m.quiz = r;
    }
    if (state.quiz) {
        m.quiz = { ...state.quiz, closed: false };
        m.quizzes.set(m.quiz.id, m.quiz);
    }
    if (state.leaderboard) m.leaderboard = Array.isArray(state.leaderboard) ? { quiz: null, top: state.leaderboard } : state.leaderboard;
    if (state.moderation) m.moderation = state.moderation.counts || state.moderation;
    m.title = state.title || '';
    m.segments = state.segments || [];
    if (state.presence) m.presence = { ...m.presence, ...state.presence };
    return m;
}

/** Applies one room event; returns the names of the parts that changed. */
export function applyEvent(m, ev) {
    if (ev.ts) m.lastTs = ev.ts;
    switch (ev.type) {
        case 'room.status':
            m.status = ev.status || m.status;
            if (ev.ends_at) m.endsAt = ev.ends_at;
            if (ev.reason === 'extended') m.extended = true;
            return ['status'];
        case 'card':
            m.card = ev.card || null;
            if (ev.card) m.cards.set(ev.card.id, ev.card);
            return ['card'];
        case 'notice':
            m.notice = ev.text || '';
            return ['notice'];
        case 'question': {
            const q = ev.question;
            if (!q) return [];
            if (q.status === 'dismissed' || q.status === 'merged') m.questions.delete(q.id);
            else {
                if (q.status === 'answering') {
                    for (const other of m.questions.values()) {
                        if (other.id !== q.id && other.status === 'answering') other.status = 'visible';
                    }
                }
                m.questions.set(q.id, q);
            }
            return ['questions'];
        }
        case 'comment': {
            if (!ev.comment) return [];
            const c = typeof ev.plus === 'number' ? { ...ev.comment, plus: ev.plus } : ev.comment;
            // A repeat count re-sends the first comment with "plus": update it in place.
            const at = m.comments.findIndex((x) => x.id === c.id);
            if (at >= 0) {
                m.comments[at] = c;
                return ['comments'];
            }
            m.comments.push(c);
            if (m.comments.length > MAX_COMMENTS) m.comments.splice(0, m.comments.length - MAX_COMMENTS);
            return ['comments'];
        }
        case 'comment.removed':
            m.comments = m.comments.filter((c) => c.id !== ev.id);
            return ['comments'];
        case 'quiz.open':
            if (!ev.quiz) return [];
            m.quiz = { ...ev.quiz, closed: false, counts: null, total: 0 };
            // The limit as the server set it (closes_at − the event's time):
            // the countdown never shows more, whatever the clock offset's error.
            if (ev.quiz.closes_at && ev.ts) m.quiz.limit_ms = ev.quiz.closes_at - ev.ts;
            m.quizzes.set(m.quiz.id, m.quiz);
            return ['quiz'];
        case 'quiz.tally': {
            const q = m.quizzes.get(ev.id);
            if (!q) return [];
            q.counts = ev.counts;
            q.total = ev.total;
            return ['quiz'];
        }
        case 'quiz.close': {
            let q = m.quizzes.get(ev.id);
            if (!q) {
                q = { id: ev.id, question: '', options: (ev.counts || []).map((_, i) => String(i + 1)), multi: false };
                m.quizzes.set(ev.id, q);
            }
            Object.assign(q, {
                closed: true,
                correct: ev.correct || [],
                counts: ev.counts,
                total: ev.total,
                correct_count: ev.correct_count,
            });
            if (!m.quiz || m.quiz.id === ev.id) m.quiz = q;
            return ['quiz'];
        }
        case 'draw.result':
            if (!m.draws.some((d) => d.id === ev.id)) m.draws.push(ev);
            return ['draws'];
        case 'leaderboard':
            m.leaderboard = { quiz: ev.quiz || null, top: ev.top || [] };
            return ['leaderboard'];
        case 'moderation':
            m.moderation = ev.counts || null;
            return ['moderation'];
        case 'presence':
            m.presence = {
                online: ev.online ?? m.presence.online,
                peak: ev.peak ?? m.presence.peak,
                views: ev.views ?? m.presence.views,
                likes: ev.likes ?? m.presence.likes,
            };
            return ['presence'];
        default:
            return [];
    }
}

/** Questions in display order: the one being answered, then by votes, then oldest first. */
export function sortedQuestions(m) {
    const rank = (q) => (q.status === 'answering' ? 0 : 1);
    return [...m.questions.values()].sort(
        (a, b) => rank(a) - rank(b) || (b.votes || 0) - (a.votes || 0) || (a.ts || 0) - (b.ts || 0),
    );
}
