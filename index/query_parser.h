#pragma once

#include <QDate>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>
#include <vector>

namespace photosearch {

// What a person typed into the search box, read locally and by fixed rules (no network, no language
// model). Understood pieces are taken out of the text; what is left is the description ALIGN ranks by.
//
//   dates      "2019", "2019-2021", "2019 to 2021", "March 2023", "14 March 2023", "2023-03-14", "2023-03",
//              "summer 2019", "yesterday", "today", "this week|month|year", "last week|month|year",
//              "this|last summer|winter|spring|autumn|fall", "since|after|before|until 2019"; a leading
//              "in", "on", "from" or "during" goes with the date. Seasons are the meteorological ones of the
//              northern hemisphere (summer = June to August; winter = December to February). A bare month
//              ("may", "march") stays text: it is a word too. A bare number is a year only from 1900 to next
//              year.
//   negatives  "-snow", "not snow", "without people", -"red car"
//   names      "IMG_20" in double quotes: the file or folder name contains it (a quote left open runs to the
//              end, as it does while being typed)
//   tags       #beach
//   folder     a word that names a folder or file of the library (the caller says which words do): stays
//              in the text as well, and photos under that name rank higher
struct QueryPart {
    enum class Kind { Dates, Not, Name, Tag, Folder };
    Kind kind = Kind::Dates;
    QString text;  // what it stands for: "snow", "IMG_20", "beach"; for dates the words typed
    int from = 0;  // the typed characters it came from, so removing its chip removes exactly them
    int length = 0;
};

struct ParsedQuery {
    QString text;                     // for ALIGN (empty when everything typed was understood otherwise)
    std::optional<QDate> fromDate{};  // taken on or after (local time)
    std::optional<QDate> toDate{};    // taken on or before
    QStringList negatives{}, names{}, tags{}, folderWords{};  // folderWords lowercased
    std::vector<QueryPart> parts{};                           // in typed order

    bool hasDates() const { return fromDate || toDate; }
    // "2019-01-01 – 2019-12-31", "from 2020-01-01", "until 2014-12-31".
    QString dateRangeText() const;
};

struct QueryContext {
    QDateTime now = QDateTime::currentDateTime();  // the clock, injected by tests
    // Whether a lowercased word names one of the library's folders or files.
    std::function<bool(const QString& word)> isFolderWord;
};

ParsedQuery parseQuery(const QString& typed, const QueryContext& context);

// `typed` without the characters of `part` (and the spaces that would be left doubled).
QString withoutPart(const QString& typed, const QueryPart& part);

// The words of a folder or file name that a typed word may match: lowercased runs of letters (or of digits
// and letters), at least 3 long, not only digits, not a word every library has ("photos", "img", "dcim").
QStringList nameWords(const QString& name);

}  // namespace photosearch
