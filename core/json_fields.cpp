#include "json_fields.h"

#include "align_error.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>
#include <limits>

namespace photosearch {

namespace {

QString typeName(const QJsonValue& value) {
    switch (value.type()) {
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Bool:
            return QStringLiteral("a boolean");
        case QJsonValue::Double:
            return QStringLiteral("the number %1").arg(value.toDouble());
        case QJsonValue::String:
            return QStringLiteral("the string \"%1\"").arg(value.toString().left(40));
        case QJsonValue::Array:
            return QStringLiteral("a list");
        case QJsonValue::Object:
            return QStringLiteral("an object");
        case QJsonValue::Undefined:
            break;
    }
    return QStringLiteral("nothing");
}

bool isInteger(const QJsonValue& value) {
    if (!value.isDouble()) return false;
    const double d = value.toDouble();
    return std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= std::numeric_limits<int>::max();
}

}  // namespace

JsonFields::JsonFields(QJsonObject object, QString where, QString prefix)
    : object_(std::move(object)), where_(std::move(where)), prefix_(std::move(prefix)) {}

JsonFields JsonFields::fromFile(const QString& path) {
    const QString name = QFileInfo(path).fileName();
    QFile file(path);
    if (!file.exists()) throw AlignError((path + QStringLiteral(": file not found")).toStdString());
    if (!file.open(QIODevice::ReadOnly))
        throw AlignError((path + QStringLiteral(": cannot read: ") + file.errorString()).toStdString());
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        throw AlignError(QStringLiteral("%1: not valid JSON at byte %2: %3")
                             .arg(path)
                             .arg(error.offset)
                             .arg(error.errorString())
                             .toStdString());
    if (!doc.isObject())
        throw AlignError((path + QStringLiteral(": expected a JSON object at the top level")).toStdString());
    return JsonFields(doc.object(), name);
}

QString JsonFields::name(const char* key) const {
    const QString k = QString::fromUtf8(key);
    return where_ + QStringLiteral(": ") + (prefix_.isEmpty() ? k : prefix_ + QLatin1Char('.') + k);
}

void JsonFields::fail(const char* key, const QString& problem) const {
    throw AlignError((name(key) + QStringLiteral(": ") + problem).toStdString());
}

bool JsonFields::has(const char* key) const { return object_.contains(QLatin1String(key)); }

int JsonFields::integer(const char* key, int fallback) const {
    if (!has(key)) return fallback;
    const QJsonValue v = object_.value(QLatin1String(key));
    if (!isInteger(v)) fail(key, QStringLiteral("expected an integer, got ") + typeName(v));
    return static_cast<int>(v.toDouble());
}

double JsonFields::number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    const QJsonValue v = object_.value(QLatin1String(key));
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        fail(key, QStringLiteral("expected a number, got ") + typeName(v));
    return v.toDouble();
}

bool JsonFields::boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const QJsonValue v = object_.value(QLatin1String(key));
    if (!v.isBool()) fail(key, QStringLiteral("expected true or false, got ") + typeName(v));
    return v.toBool();
}

std::optional<bool> JsonFields::optionalBoolean(const char* key) const {
    if (!has(key) || object_.value(QLatin1String(key)).isNull()) return std::nullopt;
    return boolean(key, false);
}

std::string JsonFields::string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const QJsonValue v = object_.value(QLatin1String(key));
    if (!v.isString()) fail(key, QStringLiteral("expected a string, got ") + typeName(v));
    return v.toString().toStdString();
}

std::vector<int> JsonFields::integers(const char* key, const std::vector<int>& fallback) const {
    if (!has(key)) return fallback;
    const QJsonValue v = object_.value(QLatin1String(key));
    if (!v.isArray()) fail(key, QStringLiteral("expected a list of integers, got ") + typeName(v));
    std::vector<int> out;
    for (const QJsonValue& item : v.toArray()) {
        if (!isInteger(item))
            fail(key, QStringLiteral("expected a list of integers, found ") + typeName(item) +
                          QStringLiteral(" in it"));
        out.push_back(static_cast<int>(item.toDouble()));
    }
    return out;
}

std::vector<double> JsonFields::numbers(const char* key, const std::vector<double>& fallback) const {
    if (!has(key)) return fallback;
    const QJsonValue v = object_.value(QLatin1String(key));
    if (v.isDouble()) return {v.toDouble()};  // Hugging Face accepts a single number for a per-channel list.
    if (!v.isArray()) fail(key, QStringLiteral("expected a list of numbers, got ") + typeName(v));
    std::vector<double> out;
    for (const QJsonValue& item : v.toArray()) {
        if (!item.isDouble())
            fail(key, QStringLiteral("expected a list of numbers, found ") + typeName(item) +
                          QStringLiteral(" in it"));
        out.push_back(item.toDouble());
    }
    return out;
}

JsonFields JsonFields::object(const char* key) const {
    const QString childPrefix = prefix_.isEmpty() ? QString::fromUtf8(key) : prefix_ + QLatin1Char('.') + key;
    if (!has(key) || object_.value(QLatin1String(key)).isNull()) return JsonFields({}, where_, childPrefix);
    const QJsonValue v = object_.value(QLatin1String(key));
    if (!v.isObject()) fail(key, QStringLiteral("expected an object, got ") + typeName(v));
    return JsonFields(v.toObject(), where_, childPrefix);
}

}  // namespace photosearch
