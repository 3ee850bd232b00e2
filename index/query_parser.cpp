#include "query_parser.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace photosearch {
namespace {

struct Token {
    QString raw;   // as typed (for a quoted token: what stands between the quotes)
    QString word;  // lowercased, without trailing punctuation
    int from = 0, to = 0;
    enum class Shape { Plain, Quoted, NotQuoted } shape = Shape::Plain;
};

std::vector<Token> tokenize(const QString& s) {
    std::vector<Token> out;
    int i = 0;
    const int n = static_cast<int>(s.size());
    while (i < n) {
        if (s[i].isSpace()) {
            ++i;
            continue;
        }
        Token t;
        t.from = i;
        const bool minusQuote = s[i] == QLatin1Char('-') && i + 1 < n && s[i + 1] == QLatin1Char('"');
        if (s[i] == QLatin1Char('"') || minusQuote) {
            const int open = i + (minusQuote ? 1 : 0);
            const int close = static_cast<int>(s.indexOf(QLatin1Char('"'), open + 1));
            const int end = close < 0 ? n : close;
            t.raw = s.mid(open + 1, end - open - 1).trimmed();
            t.shape = minusQuote ? Token::Shape::NotQuoted : Token::Shape::Quoted;
            i = close < 0 ? n : close + 1;
        } else {
            while (i < n && !s[i].isSpace()) ++i;
            t.raw = s.mid(t.from, i - t.from);
        }
        t.to = i;
        t.word = t.raw.toLower();
        while (!t.word.isEmpty() && QStringLiteral(",.;:!?").contains(t.word.back())) t.word.chop(1);
        out.push_back(std::move(t));
    }
    return out;
}

struct DateSpan {
    std::optional<QDate> from, to;  // inclusive
    int used = 0;                   // tokens
};

int monthOf(const QString& w) {
    static const QStringList names{
        QStringLiteral("january"), QStringLiteral("february"), QStringLiteral("march"),
        QStringLiteral("april"),   QStringLiteral("may"),      QStringLiteral("june"),
        QStringLiteral("july"),    QStringLiteral("august"),   QStringLiteral("september"),
        QStringLiteral("october"), QStringLiteral("november"), QStringLiteral("december")};
    for (int m = 0; m < 12; ++m)
        if (w == names[m] || w == names[m].left(3)) return m + 1;  // "march" or "mar"
    if (w == QLatin1String("sept")) return 9;
    return 0;
}

enum class Season { None, Spring, Summer, Autumn, Winter };
Season seasonOf(const QString& w) {
    if (w == QLatin1String("spring")) return Season::Spring;
    if (w == QLatin1String("summer")) return Season::Summer;
    if (w == QLatin1String("autumn") || w == QLatin1String("fall")) return Season::Autumn;
    if (w == QLatin1String("winter")) return Season::Winter;
    return Season::None;
}

// The season starting in `year` (winter runs from December into the next year).
std::pair<QDate, QDate> seasonIn(Season s, int year) {
    const int startMonth = s == Season::Spring ? 3 : s == Season::Summer ? 6 : s == Season::Autumn ? 9 : 12;
    const QDate start(year, startMonth, 1);
    return {start, start.addMonths(3).addDays(-1)};
}

class DateReader {
  public:
    DateReader(const std::vector<Token>& t, const QDate& today) : t_(t), today_(today) {}

    // The longest date phrase (a range, a bound or a single date) starting at token i.
    DateSpan phrase(size_t i) const {
        const QString w = word(i);
        const bool opensRange = w == QLatin1String("from") || w == QLatin1String("between");
        if (opensRange) {
            if (const DateSpan r = range(i + 1); r.used) return {r.from, r.to, r.used + 1};
        }
        if (const DateSpan r = range(i); r.used) return r;
        if (w == QLatin1String("since") || w == QLatin1String("after") || w == QLatin1String("before") ||
            w == QLatin1String("until") || w == QLatin1String("till")) {
            const DateSpan d = single(i + 1);
            if (!d.used) return {};
            DateSpan out;
            out.used = d.used + 1;
            if (w == QLatin1String("since")) out.from = d.from;
            if (w == QLatin1String("after")) out.from = d.to->addDays(1);
            if (w == QLatin1String("before")) out.to = d.from->addDays(-1);
            if (w == QLatin1String("until") || w == QLatin1String("till")) out.to = d.to;
            return out;
        }
        if (w == QLatin1String("in") || w == QLatin1String("on") || w == QLatin1String("from") ||
            w == QLatin1String("during")) {
            DateSpan d = range(i + 1);
            if (!d.used) d = single(i + 1);
            if (d.used) {
                ++d.used;
                return d;
            }
        }
        return single(i);
    }

  private:
    QString word(size_t i) const {
        return i < t_.size() && t_[i].shape == Token::Shape::Plain ? t_[i].word : QString();
    }

    int year(const QString& w) const {
        if (w.size() != 4) return 0;
        bool ok = false;
        const int y = w.toInt(&ok);
        return ok && y >= 1900 && y <= today_.year() + 1 ? y : 0;
    }

    // Two single dates joined by "to", "-", "until" or "and": from the first's start to the second's end.
    DateSpan range(size_t i) const {
        const QString w = word(i);
        // "2019-2021" or "2019–2021" typed as one word.
        static const QRegularExpression years(QStringLiteral("^(\\d{4})\\s*[-\u2013]\\s*(\\d{4})$"));
        if (const auto m = years.match(w); m.hasMatch()) {
            const int a = year(m.captured(1)), b = year(m.captured(2));
            if (a && b && a <= b) return {QDate(a, 1, 1), QDate(b, 12, 31), 1};
        }
        const DateSpan a = single(i);
        if (!a.used) return {};
        const QString joint = word(i + a.used);
        if (joint != QLatin1String("to") && joint != QLatin1String("-") &&
            joint != QStringLiteral("\u2013") && joint != QLatin1String("until") &&
            joint != QLatin1String("till") && joint != QLatin1String("and"))
            return {};
        const DateSpan b = single(i + a.used + 1);
        if (!b.used || *b.to < *a.from) return {};
        return {a.from, b.to, a.used + 1 + b.used};
    }

    DateSpan single(size_t i) const {
        const QString w = word(i), next = word(i + 1), third = word(i + 2);
        if (w.isEmpty()) return {};
        if (w == QLatin1String("today")) return {today_, today_, 1};
        if (w == QLatin1String("yesterday")) return {today_.addDays(-1), today_.addDays(-1), 1};
        if (w == QLatin1String("this") || w == QLatin1String("last")) {
            const bool last = w == QLatin1String("last");
            if (next == QLatin1String("week")) {
                const QDate monday = today_.addDays(1 - today_.dayOfWeek()).addDays(last ? -7 : 0);
                return {monday, monday.addDays(6), 2};
            }
            if (next == QLatin1String("month")) {
                const QDate first = QDate(today_.year(), today_.month(), 1).addMonths(last ? -1 : 0);
                return {first, first.addMonths(1).addDays(-1), 2};
            }
            if (next == QLatin1String("year")) {
                const int y = today_.year() - (last ? 1 : 0);
                return {QDate(y, 1, 1), QDate(y, 12, 31), 2};
            }
            if (const Season s = seasonOf(next); s != Season::None) {
                // "last": the latest one already over; "this": the one under way, else this year's.
                for (int y = today_.year(); y >= today_.year() - 2; --y) {
                    const auto [start, end] = seasonIn(s, y);
                    if (last ? end < today_ : (start <= today_ && today_ <= end)) return {start, end, 2};
                }
                const auto [start, end] = seasonIn(s, today_.year());
                return {start, end, 2};
            }
            return {};
        }
        if (const Season s = seasonOf(w); s != Season::None) {
            if (const int y = year(next)) {
                const auto [start, end] = seasonIn(s, y);
                return {start, end, 2};
            }
            return {};
        }
        static const QRegularExpression isoDay(QStringLiteral("^(\\d{4})-(\\d{2})-(\\d{2})$"));
        static const QRegularExpression isoMonth(QStringLiteral("^(\\d{4})-(\\d{2})$"));
        if (const auto m = isoDay.match(w); m.hasMatch() && year(m.captured(1))) {
            const QDate d(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
            if (d.isValid()) return {d, d, 1};
            return {};
        }
        if (const auto m = isoMonth.match(w); m.hasMatch() && year(m.captured(1))) {
            const int month = m.captured(2).toInt();
            if (month < 1 || month > 12) return {};
            const QDate first(m.captured(1).toInt(), month, 1);
            return {first, first.addMonths(1).addDays(-1), 1};
        }
        if (const int y = year(w)) return {QDate(y, 1, 1), QDate(y, 12, 31), 1};
        const auto day = [](const QString& s) {
            bool ok = false;
            const int d = s.toInt(&ok);
            return ok && d >= 1 && d <= 31 && s.size() <= 2 ? d : 0;
        };
        if (const int month = monthOf(w)) {
            if (const int y = year(next)) {  // "March 2023"
                const QDate first(y, month, 1);
                return {first, first.addMonths(1).addDays(-1), 2};
            }
            if (const int d = day(next); d && year(third)) {  // "March 14, 2023"
                const QDate date(year(third), month, d);
                if (date.isValid()) return {date, date, 3};
            }
            return {};
        }
        if (const int d = day(w); d && monthOf(next) && year(third)) {  // "14 March 2023"
            const QDate date(year(third), monthOf(next), d);
            if (date.isValid()) return {date, date, 3};
        }
        return {};
    }

    const std::vector<Token>& t_;
    QDate today_;
};

}  // namespace

QStringList nameWords(const QString& name) {
    static const QSet<QString> common{
        QStringLiteral("the"),    QStringLiteral("and"),     QStringLiteral("with"),
        QStringLiteral("for"),    QStringLiteral("from"),    QStringLiteral("photo"),
        QStringLiteral("photos"), QStringLiteral("picture"), QStringLiteral("pictures"),
        QStringLiteral("image"),  QStringLiteral("images"),  QStringLiteral("img"),
        QStringLiteral("dcim"),   QStringLiteral("camera"),  QStringLiteral("pics"),
        QStringLiteral("pxl"),    QStringLiteral("dsc"),     QStringLiteral("jpg"),
        QStringLiteral("jpeg"),   QStringLiteral("heic"),    QStringLiteral("png"),
        QStringLiteral("mp4"),    QStringLiteral("mov"),     QStringLiteral("screenshot")};
    QStringList out;
    QString word;
    const auto flush = [&] {
        const bool digitsOnly =
            std::all_of(word.cbegin(), word.cend(), [](const QChar c) { return c.isDigit(); });
        if (word.size() >= 3 && !digitsOnly && !common.contains(word) && !out.contains(word)) out << word;
        word.clear();
    };
    for (const QChar c : name) {
        if (c.isLetterOrNumber())
            word += c.toLower();
        else
            flush();
    }
    flush();
    return out;
}

QString ParsedQuery::dateRangeText() const {
    const auto iso = [](const QDate& d) { return d.toString(Qt::ISODate); };
    if (fromDate && toDate) return iso(*fromDate) + QStringLiteral(" \u2013 ") + iso(*toDate);
    if (fromDate) return QStringLiteral("from ") + iso(*fromDate);
    if (toDate) return QStringLiteral("until ") + iso(*toDate);
    return {};
}

ParsedQuery parseQuery(const QString& typed, const QueryContext& context) {
    const std::vector<Token> tokens = tokenize(typed);
    const DateReader dates(tokens, context.now.date());
    ParsedQuery q;
    QStringList text;
    bool anyDate = false, openStart = false, openEnd = false;
    const auto add = [&](QueryPart::Kind kind, const QString& what, const Token& first, const Token& last) {
        q.parts.push_back({kind, what, first.from, last.to - first.from});
    };
    const auto cleaned = [](const QString& s) {
        QString out = s.trimmed();
        while (!out.isEmpty() && QStringLiteral(",.;:!?").contains(out.back())) out.chop(1);
        return out;
    };
    for (size_t i = 0; i < tokens.size(); ++i) {
        const Token& t = tokens[i];
        if (t.shape == Token::Shape::Quoted) {
            if (!t.raw.isEmpty()) {
                q.names << t.raw;
                add(QueryPart::Kind::Name, t.raw, t, t);
            }
            continue;
        }
        if (t.shape == Token::Shape::NotQuoted ||
            (t.raw.size() > 1 && t.raw.startsWith(QLatin1Char('-')) && !t.raw.at(1).isDigit())) {
            const QString what = t.shape == Token::Shape::NotQuoted ? t.raw : cleaned(t.raw.mid(1));
            if (!what.isEmpty()) {
                q.negatives << what;
                add(QueryPart::Kind::Not, what, t, t);
            }
            continue;
        }
        if ((t.word == QLatin1String("not") || t.word == QLatin1String("without")) && i + 1 < tokens.size()) {
            const Token& next = tokens[i + 1];
            const QString what = next.shape == Token::Shape::Plain ? cleaned(next.raw) : next.raw;
            if (!what.isEmpty()) {
                q.negatives << what;
                add(QueryPart::Kind::Not, what, t, next);
                ++i;
                continue;
            }
        }
        if (t.raw.size() > 1 && t.raw.startsWith(QLatin1Char('#'))) {
            const QString tag = cleaned(t.raw.mid(1));
            if (!tag.isEmpty()) {
                q.tags << tag;
                add(QueryPart::Kind::Tag, tag, t, t);
                continue;
            }
        }
        if (const DateSpan d = dates.phrase(i); d.used) {
            const Token& last = tokens[i + static_cast<size_t>(d.used) - 1];
            add(QueryPart::Kind::Dates, typed.mid(t.from, last.to - t.from), t, last);
            // Several date phrases: the span that holds them all.
            openStart |= !d.from;
            openEnd |= !d.to;
            if (d.from) q.fromDate = anyDate && q.fromDate ? std::min(*q.fromDate, *d.from) : *d.from;
            if (d.to) q.toDate = anyDate && q.toDate ? std::max(*q.toDate, *d.to) : *d.to;
            anyDate = true;
            i += static_cast<size_t>(d.used) - 1;
            continue;
        }
        text << t.raw;
        if (context.isFolderWord && nameWords(t.word) == QStringList{t.word} &&
            context.isFolderWord(t.word) && !q.folderWords.contains(t.word)) {
            q.folderWords << t.word;
            add(QueryPart::Kind::Folder, t.word, t, t);
        }
    }
    if (openStart) q.fromDate.reset();
    if (openEnd) q.toDate.reset();
    q.text = text.join(QLatin1Char(' '));
    return q;
}

QString withoutPart(const QString& typed, const QueryPart& part) {
    QString left = typed.left(part.from), right = typed.mid(part.from + part.length);
    while (left.endsWith(QLatin1Char(' ')) && (right.isEmpty() || right.startsWith(QLatin1Char(' '))))
        left.chop(1);
    if (left.isEmpty())
        while (right.startsWith(QLatin1Char(' '))) right.remove(0, 1);
    return left + right;
}

}  // namespace photosearch
