#pragma once

#include <QJsonObject>
#include <QString>

namespace photosearch {

// A search a person saved under a name (a smart album): what they typed, read again at every run (so
// "last summer" moves with the calendar and new photos join), and what the window's side panel added.
// Kept in the library's catalog, so the window and `photosearch-cli search --saved NAME` share them.
struct SavedSearch {
    QString name;
    QString query;    // as typed: dates, negatives, names, #tags and folder words are read from it
    QString notText;  // the window's "but not" field
    QString folder;   // only photos under this folder
    QString tag;      // only photos with this tag
    QString after;    // YYYY-MM-DD, taken on or after
    QString until;    // YYYY-MM-DD, taken on or before
    QString image;    // combined with (or, alone, photos like) this image

    QJsonObject toJson() const;
    static SavedSearch fromJson(const QString& name, const QJsonObject& json);
    // A line for a person: "beach last summer, in Holidays, tagged family".
    QString describe() const;
};

}  // namespace photosearch
