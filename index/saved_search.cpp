#include "saved_search.h"

#include <QStringList>

namespace photosearch {
namespace {
const QString kQuery = QStringLiteral("query"), kNot = QStringLiteral("not"),
              kFolder = QStringLiteral("folder"), kTag = QStringLiteral("tag"),
              kAfter = QStringLiteral("after"), kUntil = QStringLiteral("until"),
              kImage = QStringLiteral("image");
}

QJsonObject SavedSearch::toJson() const {
    QJsonObject o{{kQuery, query}};
    const auto put = [&o](const QString& key, const QString& value) {
        if (!value.isEmpty()) o.insert(key, value);
    };
    put(kNot, notText);
    put(kFolder, folder);
    put(kTag, tag);
    put(kAfter, after);
    put(kUntil, until);
    put(kImage, image);
    return o;
}

SavedSearch SavedSearch::fromJson(const QString& name, const QJsonObject& json) {
    const auto get = [&json](const QString& key) { return json.value(key).toString(); };
    return {name, get(kQuery), get(kNot), get(kFolder), get(kTag), get(kAfter), get(kUntil), get(kImage)};
}

QString SavedSearch::describe() const {
    QStringList parts;
    if (!query.isEmpty()) parts << query;
    if (!image.isEmpty()) parts << QStringLiteral("like %1").arg(image.section(QLatin1Char('/'), -1));
    if (!notText.isEmpty()) parts << QStringLiteral("not %1").arg(notText);
    if (!folder.isEmpty()) parts << QStringLiteral("in %1").arg(folder);
    if (!tag.isEmpty()) parts << QStringLiteral("tagged %1").arg(tag);
    if (!after.isEmpty()) parts << QStringLiteral("from %1").arg(after);
    if (!until.isEmpty()) parts << QStringLiteral("until %1").arg(until);
    return parts.join(QStringLiteral(", "));
}

}  // namespace photosearch
