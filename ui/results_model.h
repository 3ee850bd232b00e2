#pragma once

#include "library_session.h"
#include "search_relevance.h"

#include <QAbstractListModel>
#include <QDate>

namespace photosearch {

class ThumbnailCache;

// What the grid shows: every photo a search or browse returned (never cut), in the order asked for, handed
// to the view a page at a time as it scrolls (fetchMore). Search results come as two groups, the good
// matches and the rest, each in the order asked for, a header row opening each; browsed photos in date
// order have a header row opening each month, as in a timeline. The model serves data; TileDelegate paints
// it.
class ResultsModel : public QAbstractListModel {
    Q_OBJECT
  public:
    enum Roles {
        PathRole = Qt::UserRole + 1,
        ScoreRole,      // cosine to the query (search results only)
        TakenAtRole,    // QDateTime
        FolderRole,     // the folder's name, shown as
        RelevanceRole,  // 0..1: the bar (search results only, else invalid)
        LevelRole,      // RelevanceScale::Level as int (search results only, else invalid)
        HeaderRole,     // true on a header row: a month's, or a group's (good matches, more)
        VideoTimeRole,  // a video: the moment shown, in seconds (else invalid)
        SuggestedRole,  // true: shown for a tag that is only suggested for it (#18)
    };
    enum class Order { BestMatch, NewestFirst, OldestFirst, Name };

    ResultsModel(ThumbnailCache* thumbnails, QObject* parent = nullptr);

    // `ranked`: search results, best first (they have scores); else photos browsed, newest first. Shown in
    // `order`; BestMatch is for ranked results only (browsed ones fall back to NewestFirst).
    void setResults(const QVector<SearchHit>& hits, bool ranked, Order order);
    void setResults(const QVector<SearchHit>& hits, bool ranked) {
        setResults(hits, ranked, ranked ? Order::BestMatch : Order::NewestFirst);
    }
    void clear() { setResults({}, false); }
    void setOrder(Order order);
    Order order() const { return order_; }
    bool isRanked() const { return ranked_; }
    // Every result, in the order shown (also those not yet paged in).
    const QVector<SearchHit>& results() const { return hits_; }
    int count() const { return static_cast<int>(hits_.size()); }
    int goodCount() const { return good_; }
    // How many results each page adds to the view.
    void setPageSize(int rows) { pageSize_ = std::max(1, rows); }

    // The result shown at `index`, or -1 for a header row.
    int resultAt(const QModelIndex& index) const;
    // How well result `result` matches, in words ("Good match (similarity 0.312)"); empty when browsing.
    QString matchWords(int result) const;
    // What the library judged a search result: "Good match", and why in a sentence.
    static RelevanceScale::Level levelOf(const SearchHit& hit);
    static QString levelWords(const SearchHit& hit);
    static QString matchWords(const SearchHit& hit);
    // Why it is there: its name matched, its similarity and how far that stands from the usual.
    static QString reasons(const SearchHit& hit);
    // How the scores of the results shown are judged (empty when browsing).
    const RelevanceScale& relevance() const { return relevance_; }
    // The row showing result `result`, paging it in when needed.
    QModelIndex indexOfResult(int result);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;

  private:
    enum class Header { Month, Good, More };
    struct Row {
        int result = 0;  // the result shown; on a header, the first result under it
        bool header = false;
        Header kind = Header::Month;
    };
    void arrange();
    void endReset();
    void appendRows(int results);
    QVector<Header> headersBefore(int result) const;  // the headers opening the result's group and month

    QVector<SearchHit> hits_;
    QVector<Row> rows_;
    QHash<QString, int> rowOfPath_;  // for thumbnails as they arrive
    int shown_ = 0;                  // results paged in
    int pageSize_ = 500;
    bool ranked_ = false;
    bool changing_ = false;  // inside a reset or an insertion: no fetchMore until it has been announced
    Order order_ = Order::NewestFirst;
    RelevanceScale relevance_;
    int good_ = 0;
    ThumbnailCache* thumbnails_;
};

}  // namespace photosearch
