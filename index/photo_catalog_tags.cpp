// The catalog's tags: zero-shot label sets, tags given by hand (confirmed), the labels that learn from a
// person's corrections (#18), what was rejected, and what is suggested.
#include "photo_catalog.h"

#include "align_error.h"

#include <cstring>
#include <map>

namespace photosearch {
namespace {

QByteArray floatBlob(const std::vector<float>& v) {
    return QByteArray(reinterpret_cast<const char*>(v.data()),
                      static_cast<qsizetype>(v.size() * sizeof(float)));
}

std::vector<float> floatsOf(const QByteArray& b) {
    std::vector<float> v(static_cast<size_t>(b.size()) / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), b.constData(), v.size() * sizeof(float));
    return v;
}

}  // namespace

void PhotoCatalog::replaceTags(const QString& labelSet,
                               const std::vector<std::pair<int64_t, TagRecord>>& tags) {
    // A photo forgotten since its tags were computed (its folder removed meanwhile) gets none.
    SqliteStatement s(*db_,
                      "INSERT OR REPLACE INTO tags(photo_id, label_set, tag, probabilities) "
                      "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS(SELECT 1 FROM photos WHERE id = ?1)");
    SqliteStatement none(*db_, "DELETE FROM tags WHERE photo_id = ? AND label_set = ?");
    for (const auto& [id, t] : tags) {
        if (t.tag.isEmpty())  // "none of these": what the label set said of it before goes
            none.bind(1, id).bind(2, labelSet).run();
        else
            s.bind(1, id).bind(2, labelSet).bind(3, t.tag).bind(4, t.probabilitiesJson).run();
    }
}

QString PhotoCatalog::manualLabelSet(const QString& tag) { return QStringLiteral("manual:") + tag; }

void PhotoCatalog::addTag(const std::vector<int64_t>& photos, const QString& tag) {
    SqliteStatement s(*db_,
                      "INSERT OR REPLACE INTO tags(photo_id, label_set, tag, probabilities) "
                      "SELECT ?1, ?2, ?3, '[]' WHERE EXISTS(SELECT 1 FROM photos WHERE id = ?1)");
    for (const int64_t id : photos) s.bind(1, id).bind(2, manualLabelSet(tag)).bind(3, tag).run();
}

void PhotoCatalog::removeTag(const std::vector<int64_t>& photos, const QString& tag) {
    SqliteStatement s(*db_, "DELETE FROM tags WHERE photo_id = ? AND tag = ?");
    for (const int64_t id : photos) s.bind(1, id).bind(2, tag).run();
}

void PhotoCatalog::renameTag(const QString& from, const QString& to) {
    for (const char* table : {"tag_rejections", "tag_suggestions"})
        SqliteStatement(*db_, QStringLiteral("UPDATE OR REPLACE %1 SET tag = ?2 WHERE tag = ?1")
                                  .arg(QLatin1String(table))
                                  .toUtf8()
                                  .constData())
            .bind(1, from)
            .bind(2, to)
            .run();
    // Merged into a label that exists: that one stays; else the label is renamed (its prompt is as typed).
    SqliteStatement(*db_, "UPDATE OR IGNORE labels SET name = ?2 WHERE name = ?1")
        .bind(1, from)
        .bind(2, to)
        .run();
    SqliteStatement(*db_, "DELETE FROM labels WHERE name = ?").bind(1, from).run();
    // A photo that had both keeps one; the label sets of zero-shot runs keep their key (their labels).
    SqliteStatement(*db_, "UPDATE OR REPLACE tags SET label_set = ?2 WHERE label_set = ?1")
        .bind(1, manualLabelSet(from))
        .bind(2, manualLabelSet(to))
        .run();
    SqliteStatement(*db_, "UPDATE OR REPLACE tags SET tag = ?2 WHERE tag = ?1")
        .bind(1, from)
        .bind(2, to)
        .run();
}

void PhotoCatalog::deleteTag(const QString& tag) {
    for (const char* sql : {"DELETE FROM tags WHERE tag = ?", "DELETE FROM tag_rejections WHERE tag = ?",
                            "DELETE FROM tag_suggestions WHERE tag = ?", "DELETE FROM labels WHERE name = ?"})
        SqliteStatement(*db_, sql).bind(1, tag).run();
}

std::vector<std::pair<QString, int64_t>> PhotoCatalog::tagCounts() const {
    std::vector<std::pair<QString, int64_t>> out;
    // Suggested or given; a label nothing carries yet counts 0.
    SqliteStatement s(*db_,
                      "SELECT tag, count(DISTINCT photo_id) FROM (SELECT tag, photo_id FROM tags UNION ALL "
                      "SELECT tag, photo_id FROM tag_suggestions UNION ALL SELECT name, NULL FROM labels) "
                      "GROUP BY tag ORDER BY tag");
    while (s.step()) out.emplace_back(s.text(0), s.integer(1));
    return out;
}

std::vector<TagRecord> PhotoCatalog::tags(int64_t photoId) const {
    std::vector<TagRecord> out;
    SqliteStatement s(*db_,
                      "SELECT label_set, tag, probabilities FROM tags WHERE photo_id = ? ORDER BY label_set");
    s.bind(1, photoId);
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
    return out;
}

std::vector<int64_t> PhotoCatalog::photosTagged(const QString& tag) const {
    std::vector<int64_t> out;
    SqliteStatement s(*db_,
                      "SELECT photo_id FROM tags WHERE tag = ?1 UNION "
                      "SELECT photo_id FROM tag_suggestions WHERE tag = ?1 ORDER BY photo_id");
    s.bind(1, tag);
    while (s.step()) out.push_back(s.integer(0));
    return out;
}

QStringList PhotoCatalog::allTags() const {
    QStringList out;
    SqliteStatement s(
        *db_,
        "SELECT tag FROM tags UNION SELECT tag FROM tag_suggestions UNION SELECT name FROM labels "
        "ORDER BY 1");
    while (s.step()) out << s.text(0);
    return out;
}

void PhotoCatalog::putLabel(const LabelRecord& label) {
    SqliteStatement(*db_,
                    "INSERT OR REPLACE INTO labels(name, prompt, model, text_vector, neutral_vector) "
                    "VALUES (?,?,?,?,?)")
        .bind(1, label.name)
        .bind(2, label.prompt)
        .bind(3, label.model)
        .bind(4, floatBlob(label.text))
        .bind(5, floatBlob(label.neutral))
        .run();
}

static LabelRecord readLabel(const SqliteStatement& s) {
    return {s.text(0), s.text(1), s.text(2), floatsOf(s.blob(3)), floatsOf(s.blob(4))};
}

std::vector<LabelRecord> PhotoCatalog::labels() const {
    std::vector<LabelRecord> out;
    SqliteStatement s(*db_,
                      "SELECT name, prompt, model, text_vector, neutral_vector FROM labels ORDER BY name");
    while (s.step()) out.push_back(readLabel(s));
    return out;
}

std::optional<LabelRecord> PhotoCatalog::label(const QString& name) const {
    SqliteStatement s(*db_,
                      "SELECT name, prompt, model, text_vector, neutral_vector FROM labels WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return readLabel(s);
}

std::vector<int64_t> PhotoCatalog::photosConfirmed(const QString& tag) const {
    std::vector<int64_t> out;
    SqliteStatement s(*db_, "SELECT photo_id FROM tags WHERE label_set = ? ORDER BY photo_id");
    s.bind(1, manualLabelSet(tag));
    while (s.step()) out.push_back(s.integer(0));
    return out;
}

void PhotoCatalog::setRejected(const std::vector<int64_t>& photos, const QString& tag, bool rejected) {
    SqliteStatement add(*db_,
                        "INSERT OR IGNORE INTO tag_rejections(photo_id, tag) "
                        "SELECT ?1, ?2 WHERE EXISTS(SELECT 1 FROM photos WHERE id = ?1)");
    SqliteStatement remove(*db_, "DELETE FROM tag_rejections WHERE photo_id = ? AND tag = ?");
    SqliteStatement unsuggest(*db_, "DELETE FROM tag_suggestions WHERE photo_id = ? AND tag = ?");
    for (const int64_t id : photos) {
        (rejected ? add : remove).bind(1, id).bind(2, tag).run();
        unsuggest.bind(1, id).bind(2, tag).run();  // judged: no longer a suggestion either way
    }
}

std::vector<int64_t> PhotoCatalog::photosRejected(const QString& tag) const {
    std::vector<int64_t> out;
    SqliteStatement s(*db_, "SELECT photo_id FROM tag_rejections WHERE tag = ? ORDER BY photo_id");
    s.bind(1, tag);
    while (s.step()) out.push_back(s.integer(0));
    return out;
}

void PhotoCatalog::replaceSuggestions(const QString& tag,
                                      const std::vector<std::pair<int64_t, float>>& standings) {
    SqliteStatement(*db_, "DELETE FROM tag_suggestions WHERE tag = ?").bind(1, tag).run();
    // Never over what a person said: a photo given the tag or rejected for it is not suggested.
    SqliteStatement s(*db_,
                      "INSERT OR REPLACE INTO tag_suggestions(photo_id, tag, standing) SELECT ?1, ?2, ?3 "
                      "WHERE EXISTS(SELECT 1 FROM photos WHERE id = ?1) "
                      "AND NOT EXISTS(SELECT 1 FROM tags WHERE photo_id = ?1 AND label_set = ?4) "
                      "AND NOT EXISTS(SELECT 1 FROM tag_rejections WHERE photo_id = ?1 AND tag = ?2)");
    for (const auto& [id, standing] : standings)
        s.bind(1, id).bind(2, tag).bind(3, double(standing)).bind(4, manualLabelSet(tag)).run();
}

std::vector<std::pair<QString, float>> PhotoCatalog::suggestions(int64_t photoId) const {
    std::vector<std::pair<QString, float>> out;
    SqliteStatement s(*db_,
                      "SELECT tag, standing FROM tag_suggestions WHERE photo_id = ? ORDER BY standing DESC");
    s.bind(1, photoId);
    while (s.step()) out.emplace_back(s.text(0), static_cast<float>(s.real(1)));
    return out;
}

std::map<QString, int64_t> PhotoCatalog::suggestionCounts() const {
    std::map<QString, int64_t> out;
    // Photos that carry the tag already (an older zero-shot record of it, say) are counted as tagged only.
    SqliteStatement s(*db_,
                      "SELECT tag, count(*) FROM tag_suggestions s WHERE NOT EXISTS (SELECT 1 FROM tags t "
                      "WHERE t.tag = s.tag AND t.photo_id = s.photo_id) GROUP BY tag");
    while (s.step()) out[s.text(0)] = s.integer(1);
    return out;
}

std::vector<std::pair<int64_t, float>> PhotoCatalog::photosSuggested(const QString& tag) const {
    std::vector<std::pair<int64_t, float>> out;
    SqliteStatement s(*db_,
                      "SELECT photo_id, standing FROM tag_suggestions WHERE tag = ? ORDER BY standing DESC");
    s.bind(1, tag);
    while (s.step()) out.emplace_back(s.integer(0), static_cast<float>(s.real(1)));
    return out;
}

}  // namespace photosearch
