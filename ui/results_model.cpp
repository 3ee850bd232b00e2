#include "results_model.h"

#include "native_path.h"
#include "photo_facts.h"
#include "thumbnail_cache.h"

#include <QDateTime>
#include <QLocale>
#include <QMimeData>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace photosearch {

namespace {

QDate monthOf(qint64 takenAt) {
    const QDate d = QDateTime::fromSecsSinceEpoch(takenAt).date();
    return QDate(d.year(), d.month(), 1);
}

QString fileName(const QString& path) { return path.section(QLatin1Char('/'), -1); }

// File names as a file manager orders them: runs of digits by their value (IMG_2 before IMG_10), the rest
// without regard to case. (QCollator's numeric mode is not there in every locale, the C locale among them.)
int compareNames(const QString& a, const QString& b) {
    int i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            const int si = i, sj = j;
            while (i < a.size() && a[i].isDigit()) ++i;
            while (j < b.size() && b[j].isDigit()) ++j;
            QStringView x = QStringView(a).mid(si, i - si), y = QStringView(b).mid(sj, j - sj);
            while (x.size() > 1 && x.front() == QLatin1Char('0')) x = x.mid(1);
            while (y.size() > 1 && y.front() == QLatin1Char('0')) y = y.mid(1);
            if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
            if (const int c = x.compare(y); c != 0) return c;
        } else {
            const QChar x = a[i].toLower(), y = b[j].toLower();
            if (x != y) return x < y ? -1 : 1;
            ++i, ++j;
        }
    }
    if (i < a.size() || j < b.size()) return i < a.size() ? 1 : -1;
    return a.compare(b);  // equal but for case or leading zeros: still one order
}

}  // namespace

ResultsModel::ResultsModel(ThumbnailCache* thumbnails, QObject* parent)
    : QAbstractListModel(parent), thumbnails_(thumbnails) {
    connect(thumbnails_, &ThumbnailCache::ready, this, [this](const QString& path) {
        const auto it = rowOfPath_.constFind(path);
        if (it == rowOfPath_.constEnd()) return;
        const QModelIndex i = index(*it);
        emit dataChanged(i, i, {Qt::DecorationRole});
    });
}

void ResultsModel::setResults(const QVector<SearchHit>& hits, bool ranked, Order order) {
    beginResetModel();
    hits_ = hits;
    ranked_ = ranked;
    order_ = (order == Order::BestMatch && !ranked) ? Order::NewestFirst : order;
    std::vector<float> scores;
    if (ranked_) {
        scores.reserve(static_cast<size_t>(hits_.size()));
        for (const SearchHit& h : hits_) scores.push_back(h.score);
    }
    relevance_ = RelevanceScale(scores);
    good_ = ranked_ ? static_cast<int>(std::count_if(hits_.begin(), hits_.end(),
                                                     [](const SearchHit& h) { return h.good; }))
                    : 0;
    arrange();
    endReset();
}

void ResultsModel::endReset() {
    // No rows are inserted while listeners still handle the reset (QAbstractItemModelTester, for one, asks
    // for more from its modelReset slot before it has seen the reset end); the view asks again once laid out.
    changing_ = true;
    endResetModel();
    changing_ = false;
}

void ResultsModel::setOrder(Order order) {
    if (order == Order::BestMatch && !ranked_) order = Order::NewestFirst;
    if (order == order_) return;
    beginResetModel();
    order_ = order;
    arrange();
    endReset();
}

// Sorts every result (stable: photos taken in the same second keep the library's order) and pages in the
// first page. Call between begin/endResetModel.
void ResultsModel::arrange() {
    const auto newer = [](const SearchHit& a, const SearchHit& b) { return a.takenAt > b.takenAt; };
    const auto older = [](const SearchHit& a, const SearchHit& b) { return a.takenAt < b.takenAt; };
    const auto byName = [](const SearchHit& a, const SearchHit& b) {
        const int c = compareNames(fileName(a.path), fileName(b.path));
        return c != 0 ? c < 0 : a.path < b.path;
    };
    const auto byRank = [](const SearchHit& a, const SearchHit& b) { return a.rank < b.rank; };
    // Results come from the library best first or newest first: a whole library need not be sorted again.
    const auto sortBy = [](auto begin, auto end, const auto& before) {
        if (!std::is_sorted(begin, end, before)) std::stable_sort(begin, end, before);
    };
    // Search results: the good matches first, then the rest, each group in the order asked for.
    const auto groupEnd =
        ranked_ ? std::stable_partition(hits_.begin(), hits_.end(), [](const SearchHit& h) { return h.good; })
                : hits_.end();
    for (const auto& [begin, end] : {std::pair{hits_.begin(), groupEnd}, std::pair{groupEnd, hits_.end()}}) {
        switch (order_) {
            case Order::BestMatch:
                sortBy(begin, end, byRank);
                break;
            case Order::NewestFirst:
                sortBy(begin, end, newer);
                break;
            case Order::OldestFirst:
                sortBy(begin, end, older);
                break;
            case Order::Name:
                sortBy(begin, end, byName);
                break;
        }
    }
    rows_.clear();
    rowOfPath_.clear();
    shown_ = 0;
    appendRows(pageSize_);
}

QVector<ResultsModel::Header> ResultsModel::headersBefore(int result) const {
    QVector<Header> out;
    // Search results in two groups, when there are two: each opens with its header.
    if (ranked_ && good_ > 0 && good_ < count()) {
        if (result == 0) out << Header::Good;
        if (result == good_) out << Header::More;
    }
    // In date order each month opens with its header (within a group: a group starts its first month).
    const bool months = order_ == Order::NewestFirst || order_ == Order::OldestFirst;
    const bool groupStart = ranked_ && result == good_;
    if (months &&
        (result == 0 || groupStart || monthOf(hits_[result].takenAt) != monthOf(hits_[result - 1].takenAt)))
        out << Header::Month;
    return out;
}

void ResultsModel::appendRows(int results) {
    const int end = std::min(static_cast<int>(hits_.size()), shown_ + results);
    for (int i = shown_; i < end; ++i) {
        for (const Header h : headersBefore(i)) rows_.push_back({i, true, h});
        rowOfPath_.insert(hits_[i].thumbnailKey(), static_cast<int>(rows_.size()));
        rows_.push_back({i, false});
    }
    shown_ = end;
}

int ResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

bool ResultsModel::canFetchMore(const QModelIndex& parent) const {
    return !parent.isValid() && !changing_ && shown_ < hits_.size();
}

void ResultsModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent)) return;
    const int end = std::min(static_cast<int>(hits_.size()), shown_ + pageSize_);
    int added = end - shown_;
    for (int i = shown_; i < end; ++i) added += static_cast<int>(headersBefore(i).size());
    const int first = static_cast<int>(rows_.size());
    changing_ = true;  // a listener asking for more while this page is announced gets nothing yet
    beginInsertRows({}, first, first + added - 1);
    appendRows(pageSize_);
    endInsertRows();
    changing_ = false;
}

int ResultsModel::resultAt(const QModelIndex& index) const {
    if (!index.isValid() || index.row() >= rows_.size()) return -1;
    const Row& r = rows_[index.row()];
    return r.header ? -1 : r.result;
}

QModelIndex ResultsModel::indexOfResult(int result) {
    if (result < 0 || result >= hits_.size()) return {};
    while (result >= shown_ && canFetchMore({})) fetchMore({});
    // Rows are in result order, a month's header just before its first result.
    const auto it = std::lower_bound(rows_.begin(), rows_.end(), result, [](const Row& r, int wanted) {
        return r.result < wanted || (r.result == wanted && r.header);
    });
    return it == rows_.end() ? QModelIndex() : index(static_cast<int>(it - rows_.begin()));
}

QVariant ResultsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const Row& row = rows_[index.row()];
    const SearchHit& h = hits_[row.result];
    if (row.header) {
        const QDate month = monthOf(h.takenAt);
        switch (role) {
            case Qt::DisplayRole:
            case Qt::AccessibleTextRole:
                if (row.kind == Header::Good) return tr("Good matches (%n)", nullptr, good_);
                if (row.kind == Header::More) return tr("More results (%n)", nullptr, count() - good_);
                return QLocale().toString(month, QStringLiteral("MMMM yyyy"));
            case HeaderRole:
                return true;
            case TakenAtRole:
                return row.kind == Header::Month ? QVariant(month.startOfDay()) : QVariant();
            default:
                return {};
        }
    }
    switch (role) {
        case Qt::DisplayRole:
            return native_path::display(fileName(h.path));
        case Qt::ToolTipRole: {
            QString tip = native_path::display(h.path) + QLatin1Char('\n') +
                          QLocale().toString(QDateTime::fromSecsSinceEpoch(h.takenAt), QLocale::LongFormat);
            if (ranked_) tip += QLatin1Char('\n') + matchWords(row.result);
            if (ranked_ && h.isVideo())
                tip += QLatin1Char('\n') + tr("Best at %1 into the video").arg(clockTime(h.timeS));
            if (h.suggested)
                tip += QLatin1Char('\n') + tr("The tag is suggested, not given: open it and answer Y or N");
            return tip;
        }
        case Qt::DecorationRole:
            return thumbnails_->get(
                h.thumbnailKey());  // null while it loads: the delegate paints a placeholder
        case PathRole:
            return h.path;
        case ScoreRole:
            return h.score;
        case VideoTimeRole:
            return h.isVideo() ? QVariant(h.timeS) : QVariant();
        case SuggestedRole:
            return h.suggested;
        case TakenAtRole:
            return QDateTime::fromSecsSinceEpoch(h.takenAt);
        case FolderRole:
            return native_path::display(h.path.section(QLatin1Char('/'), -2, -2));
        case RelevanceRole:
            return ranked_ ? QVariant(relevance_.bar(h.score)) : QVariant();
        case LevelRole:
            return ranked_ ? QVariant(static_cast<int>(levelOf(h))) : QVariant();
        case HeaderRole:
            return false;
        default:
            return {};
    }
}

QString ResultsModel::matchWords(int result) const {
    if (!ranked_ || result < 0 || result >= hits_.size()) return {};
    return matchWords(hits_[result]);
}

RelevanceScale::Level ResultsModel::levelOf(const SearchHit& hit) {
    if (hit.good) return RelevanceScale::Level::Good;
    return hit.standing >= 1.5 ? RelevanceScale::Level::Possible : RelevanceScale::Level::Weak;
}

QString ResultsModel::levelWords(const SearchHit& hit) {
    const auto level = levelOf(hit);
    return level == RelevanceScale::Level::Good       ? tr("Good match")
           : level == RelevanceScale::Level::Possible ? tr("Possible match")
                                                      : tr("Weak match");
}

QString ResultsModel::reasons(const SearchHit& hit) {
    QStringList why;
    if (hit.nameMatches > 0) why << tr("its folder or file name holds a word you typed");
    why << (hit.standing >= 0 ? tr("similarity %1, %2 deviations above the library's usual score")
                              : tr("similarity %1, %2 deviations below the library's usual score"))
               .arg(hit.score, 0, 'f', 3)
               .arg(std::fabs(hit.standing), 0, 'f', 1);
    return why.join(QStringLiteral("; "));
}

QString ResultsModel::matchWords(const SearchHit& hit) {
    return tr("%1: %2").arg(levelWords(hit), reasons(hit));
}

Qt::ItemFlags ResultsModel::flags(const QModelIndex& index) const {
    // Only photos can be selected and dragged out; a header is text. The root has no flags
    // (QAbstractItemModelTester holds us to it).
    if (!index.isValid() || index.row() >= rows_.size()) return Qt::NoItemFlags;
    if (rows_[index.row()].header) return Qt::ItemIsEnabled;
    return QAbstractListModel::flags(index) | Qt::ItemIsDragEnabled;
}

QStringList ResultsModel::mimeTypes() const { return {QStringLiteral("text/uri-list")}; }

QMimeData* ResultsModel::mimeData(const QModelIndexList& indexes) const {
    QList<QUrl> urls;
    for (const QModelIndex& i : indexes)
        if (const int r = resultAt(i); r >= 0) urls << QUrl::fromLocalFile(hits_[r].path);
    auto* mime = new QMimeData;
    mime->setUrls(urls);
    return mime;
}

}  // namespace photosearch
