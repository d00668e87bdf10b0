#include "server/room/quizzes.hpp"

#include <set>

#include <catch2/catch.hpp>

#include "server/room/draw.hpp"

using namespace liveroom;
using room::quiz_book;

namespace {
protocol::req::quiz_open make_open(std::vector<int> correct, int seconds, protocol::req::scoring mode) {
    protocol::req::quiz_open r;
    r.question.assign(1, 'q');
    for (const char c : {'a', 'b', 'c'}) {
        r.options.emplace_back(1, c);
    }
    r.correct = std::move(correct);
    r.seconds = seconds;
    r.mode = mode;
    return r;
}
const std::string seed(64, 'a');
}  // namespace

TEST_CASE("quiz answers: one per viewer, choices checked, speed scoring by the connection's own time", "[unit][quiz]") {
    quiz_book book;
    auto& q = book.open("z1", make_open({1}, 10, protocol::req::scoring::speed), seed, 1000);
    CHECK(q.pub.closes_at == std::optional<std::int64_t>(11000));
    CHECK(q.pub.seed_hash == room::seed_hash(seed));
    CHECK(book.answer(q, {"u1", "A"}, {1}, false, 0, 1100) == quiz_book::verdict::ok);
    CHECK(book.answer(q, {"u1", "A"}, {2}, false, 0, 1200) == quiz_book::verdict::duplicate);
    CHECK(book.answer(q, {"u2", "B"}, {3}, false, 0, 1200) == quiz_book::verdict::bad_choice);
    CHECK(book.answer(q, {"u2", "B"}, {0, 1}, true, 0, 1200) == quiz_book::verdict::bad_choice);  // not multi
    CHECK(book.answer(q, {"u2", "B"}, {1}, false, 5000, 9000) == quiz_book::verdict::ok);
    CHECK(book.answer(q, {"u3", "C"}, {0}, false, 100, 1300) == quiz_book::verdict::ok);
    // 500 + 500 * (1 - elapsed / limit): at once 1000, halfway 750; wrong 0.
    CHECK(q.answers[0].points == 1000);
    CHECK(q.answers[1].points == 750);
    CHECK(q.answers[2].points == 0);
    CHECK(q.total == 3);
    CHECK(q.correct_count == 2);
    CHECK(q.counts == std::vector<std::int64_t>{1, 2, 0});
    book.close(q, 2000);
    CHECK(book.rank_of("u1") == 1);
    CHECK(book.rank_of("u2") == 2);
    CHECK(book.rank_of("u3") == 3);
    CHECK(book.rank_of("nobody") == 0);
}

TEST_CASE("the draw is a deterministic function of seed, round and the sorted eligible ids", "[unit][quiz]") {
    const std::vector<std::string> ids{"g-3", "g-1", "g-2", "u-9", "u-10"};
    const auto a = room::draw_winners(seed, 0, ids, 3);
    std::vector<std::string> shuffled{ids.rbegin(), ids.rend()};
    CHECK(room::draw_winners(seed, 0, shuffled, 3) == a);  // order of the input does not matter
    CHECK(a.size() == 3);
    CHECK(std::set<std::string>(a.begin(), a.end()).size() == 3);
    CHECK(room::draw_winners(seed, 1, ids, 3) != a);  // a second round draws anew
    // More prizes than people: everyone, once.
    const auto all = room::draw_winners(seed, 0, ids, 100);
    CHECK(std::set<std::string>(all.begin(), all.end()) == std::set<std::string>(ids.begin(), ids.end()));
    CHECK(room::draw_winners(seed, 0, {}, 3).empty());
    // A golden vector: the page's verify code (web/js/draw.js) must agree.
    CHECK(room::draw_winners(seed, 0, ids, 5) == std::vector<std::string>{"u-9", "g-2", "u-10", "g-3", "g-1"});
}
