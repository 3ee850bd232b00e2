#include "library_session.h"

#include "align_error.h"
#include "library_error.h"

#include <QElapsedTimer>

namespace photosearch {

LibrarySession::LibrarySession(QObject* parent) : QObject(parent) {
    qRegisterMetaType<QVector<SearchHit>>();
    qRegisterMetaType<std::vector<TaggedPhoto>>();
    searchContext_ = new QObject;
    searchContext_->moveToThread(&searchThread_);
    indexContext_ = new QObject;
    indexContext_->moveToThread(&indexThread_);
    connect(&searchThread_, &QThread::finished, searchContext_, &QObject::deleteLater);
    connect(&indexThread_, &QThread::finished, indexContext_, &QObject::deleteLater);
    searchThread_.setObjectName(QStringLiteral("search"));
    indexThread_.setObjectName(QStringLiteral("indexing"));
    searchThread_.start();
    indexThread_.start();
}

LibrarySession::~LibrarySession() {
    shutdown();
    searchThread_.quit();
    searchThread_.wait();
}

QString LibrarySession::open(const LibraryOptions& options) {
    LibraryOptions o = options;
    try {
        o.writable = true;
        library_ = PhotoLibrary::open(o);
        writable_ = true;
    } catch (const LibraryError& e) {
        // Another PhotoSearch writes, or this one may not: the window still searches, read-only.
        const QString message = QString::fromUtf8(e.what());
        if (e.kind() != LibraryErrorKind::Locked && e.kind() != LibraryErrorKind::ReadOnly) return message;
        try {
            o.writable = false;
            library_ = PhotoLibrary::open(o);
            writable_ = false;
            return message;  // open, but read-only: the caller says so
        } catch (const AlignError& e2) {
            return QString::fromUtf8(e2.what());
        }
    } catch (const AlignError& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

int LibrarySession::submit(std::function<std::vector<SearchResult>()> query) {
    const int id = ++latestRequest_;
    QMetaObject::invokeMethod(searchContext_, [this, id, query = std::move(query)] {
        if (id != latestRequest_) return;  // superseded while waiting
        try {
            QElapsedTimer t;
            t.start();
            QVector<SearchHit> hits;
            for (const SearchResult& r : query()) hits.push_back({r.path, r.score});
            emit searchFinished(id, hits, t.nsecsElapsed() / 1e6);
        } catch (const LibraryError& e) {
            emit searchFailed(id, QString::fromUtf8(e.what()), e.kind() == LibraryErrorKind::ModelMismatch);
        } catch (const std::exception& e) {
            emit searchFailed(id, QString::fromUtf8(e.what()), false);
        }
    });
    return id;
}

int LibrarySession::search(const QString& text, const SearchOptions& options) {
    return submit([this, text, options] {
        if (!library_) throw AlignError(notOpenMessage().toStdString());
        return library_->search(text, options);
    });
}

int LibrarySession::similar(const QString& path, const SearchOptions& options) {
    return submit([this, path, options] {
        if (!library_) throw AlignError(notOpenMessage().toStdString());
        return library_->similar(path, options);
    });
}

void LibrarySession::startIndexing() {
    if (!library_ || !writable_ || indexing_.exchange(true)) return;
    control_.reset();
    emit indexingStarted();
    QMetaObject::invokeMethod(indexContext_, [this] {
        IndexCallbacks callbacks;
        callbacks.progress = [this](const IndexProgress& p) {
            emit indexProgress(p.done, p.total, p.photosPerSecond, p.etaSeconds);
        };
        callbacks.fileFailed = [this](const QString& path, const QString& error) {
            emit indexFileFailed(path, error);
        };
        QString summary;
        bool cancelled = false;
        try {
            const IndexReport r = library_->index(callbacks, &control_);
            cancelled = r.cancelled;
            summary = tr("%1 indexed, %2 unchanged, %3 removed, %4 failed; %5 photos searchable")
                          .arg(r.indexed)
                          .arg(r.unchanged + r.moved + r.copies)
                          .arg(r.removed)
                          .arg(r.failed.size())
                          .arg(r.total);
        } catch (const std::exception& e) {
            emit failed(QString::fromUtf8(e.what()));
            summary = tr("Indexing stopped: %1").arg(QString::fromUtf8(e.what()));
        }
        indexing_ = false;
        emit indexingFinished(summary, cancelled);
        emit libraryChanged();
    });
}

void LibrarySession::setPaused(bool paused) { control_.setPaused(paused); }
void LibrarySession::cancelIndexing() { control_.cancel(); }

void LibrarySession::shutdown() {
    control_.cancel();
    indexThread_.quit();
    indexThread_.wait();
}

QStringList LibrarySession::folders() const {
    QStringList out;
    if (library_)
        for (const FolderRecord& f : library_->folders()) out << f.path;
    return out;
}

QString LibrarySession::notOpenMessage() const {
    return tr("The library is not open yet: PhotoSearch needs its model first (Library > Get the model...).");
}

QString LibrarySession::addFolder(const QString& path) {
    if (!library_) return notOpenMessage();
    try {
        library_->addFolder(path);
        emit libraryChanged();
        return {};
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
}

QString LibrarySession::removeFolder(const QString& path) {
    if (!library_) return notOpenMessage();
    try {
        library_->removeFolder(path);
        emit libraryChanged();
        return {};
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
}

QStringList LibrarySession::tags() const { return library_ ? library_->allTags() : QStringList(); }

void LibrarySession::computeTags(const QString& folder, const QStringList& labels,
                                 const QString& promptTemplate) {
    QMetaObject::invokeMethod(searchContext_, [this, folder, labels, promptTemplate] {
        if (!library_) return emit failed(notOpenMessage());
        try {
            emit tagsComputed(labels, library_->computeTags(folder, labels, promptTemplate));
        } catch (const std::exception& e) {
            emit failed(QString::fromUtf8(e.what()));
        }
    });
}

QString LibrarySession::saveTags(const QStringList& labels, const std::vector<TaggedPhoto>& tagged) {
    if (!library_) return notOpenMessage();
    try {
        library_->saveTags(labels, tagged);
        emit libraryChanged();
        return {};
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
}

}  // namespace photosearch
