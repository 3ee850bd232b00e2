#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>
#include <string>
#include <vector>

namespace photosearch {

// Typed access to the keys of one JSON object, as Hugging Face config files use them: a missing key
// takes the caller's default, an unknown key is ignored, a key of the wrong type is an AlignError that
// names the file and the key ("config.json: vision_config.strides: expected a list of integers, got a
// string").
class JsonFields {
  public:
    // `where` is the file name; `prefix` the path of this object inside it ("vision_config").
    JsonFields(QJsonObject object, QString where, QString prefix = {});

    static JsonFields fromFile(const QString& path);

    bool has(const char* key) const;
    int integer(const char* key, int fallback) const;
    double number(const char* key, double fallback) const;
    bool boolean(const char* key, bool fallback) const;
    std::string string(const char* key, const std::string& fallback) const;
    // A string, or null for "not set".
    std::optional<bool> optionalBoolean(const char* key) const;
    std::vector<int> integers(const char* key, const std::vector<int>& fallback) const;
    std::vector<double> numbers(const char* key, const std::vector<double>& fallback) const;
    // A nested object; an empty one when the key is missing.
    JsonFields object(const char* key) const;

    // "config.json: vision_config.strides"
    QString name(const char* key) const;
    [[noreturn]] void fail(const char* key, const QString& problem) const;

    const QJsonObject& json() const { return object_; }
    const QString& where() const { return where_; }

  private:
    QJsonObject object_;
    QString where_;
    QString prefix_;
};

}  // namespace photosearch
