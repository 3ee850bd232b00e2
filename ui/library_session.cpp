#include "library_session.h"

#include "photo_image.h"

#include "align_error.h"
#include "cpu_sharing.h"
#include "library_error.h"
#include "tag_teacher.h"

#include <QElapsedTimer>
#include <QSettings>

namespace photosearch {

QString SearchHit::thumbnailKey() const { return isVideo() ? videoMomentKey(path, timeS) : path; }

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
            const std::vector<SearchResult> results = query();
            hits.reserve(static_cast<qsizetype>(results.size()));
            for (const SearchResult& r : results)
                hits.push_back({r.path, r.score, r.takenAt, r.timeS, r.good, r.standing, r.nameMatches,
                                static_cast<int>(hits.size()), r.suggested});
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

void LibrarySession::loadModel() {
    QMetaObject::invokeMethod(searchContext_, [this] {
        try {
            if (!library_) throw AlignError(notOpenMessage().toStdString());
            library_->search(QStringLiteral("warm up"),
                             SearchOptions{});  // loads it, checks it is the library's
            emit modelLoaded();
            library_->prepareQueryContext();  // after: searchable first, the names a moment later
        } catch (const LibraryError& e) {
            emit modelFailed(QString::fromUtf8(e.what()), e.kind() == LibraryErrorKind::ModelMismatch);
        } catch (const std::exception& e) {
            emit modelFailed(QString::fromUtf8(e.what()), false);
        }
    });
}

int LibrarySession::browse(const SearchOptions& options) {
    return submit([this, options] {
        if (!library_) throw AlignError(notOpenMessage().toStdString());
        return library_->browse(options);
    });
}

LibraryStatus LibrarySession::status() const {
    if (!library_) return {};
    try {
        return library_->status();
    } catch (const std::exception&) {
        return {};  // a damaged catalog is reported by the search that reads it
    }
}

std::vector<std::pair<QString, QString>> LibrarySession::failures() const {
    if (!library_) return {};
    try {
        return library_->failures();
    } catch (const std::exception&) {
        return {};
    }
}

QString LibrarySession::runSummary(const IndexReport& r) {
    // What this run changed; the library's totals stand beside it in the status bar.
    QStringList parts;
    if (r.indexed) parts << tr("%n photo(s) indexed", nullptr, static_cast<int>(r.indexed));
    if (r.moved) parts << tr("%n moved", nullptr, static_cast<int>(r.moved));
    if (r.removed) parts << tr("%n removed", nullptr, static_cast<int>(r.removed));
    if (!r.failed.empty()) parts << tr("%n new problem(s)", nullptr, static_cast<int>(r.failed.size()));
    if (parts.isEmpty()) return tr("Up to date: nothing new in the folders");
    return parts.join(QStringLiteral(", "));
}

void LibrarySession::startIndexing() {
    if (!library_ || !writable_ || indexing_.exchange(true)) return;
    control_.reset();
    emit indexingStarted();
    const bool background = QSettings().value(QStringLiteral("indexing/background"), true).toBool();
    QMetaObject::invokeMethod(indexContext_, [this, background] {
        // The lowest CPU and disk priority for this thread and the model's threads it starts: the person's
        // other programs come first. (Linux lets it go only one way: turned off, it applies at the next
        // start.)
        QString why;
        if (background && !cpu_sharing::isThisThreadInBackground() &&
            !cpu_sharing::moveThisThreadToBackground(&why))
            qWarning("indexing at normal priority: %s", qUtf8Printable(why));
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
            summary = runSummary(r);
            library_->prepareQueryContext();  // the run's new names, here rather than at the next keystroke
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

QString LibrarySession::change(const std::function<void(PhotoLibrary&)>& change, const QString& failure) {
    if (!library_) return notOpenMessage();
    try {
        change(*library_);
    } catch (const std::exception& e) {
        return failure.arg(QString::fromUtf8(e.what()));
    }
    emit libraryChanged();
    return {};
}

QString LibrarySession::setTag(const QStringList& paths, const QString& tag, bool on) {
    QStringList sidecarFailures;
    const QString error = change(
        [&](PhotoLibrary& l) {
            l.setTag(paths, tag, on);
            sidecarFailures = l.writeSidecarsIfAutomatic(paths);
        },
        tr("The tags could not be changed: %1"));
    if (!error.isEmpty()) return error;
    // Photos given a label by hand are confirmations: the label learns from them (in the background).
    if (on) relearn(tag.simplified());
    return sidecarFailures.isEmpty() ? QString()
                                     : tr("Tagged, but a sidecar could not be written: %1")
                                           .arg(sidecarFailures.join(QLatin1Char('\n')));
}

QString LibrarySession::renameTag(const QString& from, const QString& to) {
    return change([&](PhotoLibrary& l) { l.renameTag(from, to); }, tr("The tags could not be changed: %1"));
}

QString LibrarySession::deleteTag(const QString& tag) {
    return change([&](PhotoLibrary& l) { l.deleteTag(tag); }, tr("The tags could not be changed: %1"));
}

void LibrarySession::judgeTag(const QStringList& paths, const QString& label, bool accepted) {
    QMetaObject::invokeMethod(searchContext_, [this, paths, label, accepted] {
        if (!library_) return emit failed(notOpenMessage());
        try {
            const int photos = TagTeacher(*library_).judge(paths, label, accepted);
            const QStringList sidecarFailures = library_->writeSidecarsIfAutomatic(paths);
            const QString name = label.simplified();
            emit tagJudged(name, accepted, photos, int(library_->catalog().photosSuggested(name).size()));
            if (!sidecarFailures.isEmpty())
                emit failed(
                    tr("A sidecar could not be written: %1").arg(sidecarFailures.join(QLatin1Char('\n'))));
        } catch (const std::exception& e) {
            emit failed(tr("The tag could not be changed: %1").arg(QString::fromUtf8(e.what())));
        }
    });
}

void LibrarySession::relearn(const QString& label) {
    QMetaObject::invokeMethod(searchContext_, [this, label] {
        if (!library_ || !library_->writer()) return;
        try {
            if (!library_->catalog().label(label)) return;  // a plain tag: nothing to learn
            const int suggested = TagTeacher(*library_).rescore(label);
            emit tagJudged(label, true, 0, suggested);
        } catch (const std::exception& e) {
            emit failed(tr("The suggestions for “%1” could not be updated: %2")
                            .arg(label, QString::fromUtf8(e.what())));
        }
    });
}

QStringList LibrarySession::suggestedTagsOf(const QString& path) const {
    QStringList out;
    if (!library_) return out;
    try {
        if (const auto photo = library_->catalog().photoByPath(path))
            for (const auto& [tag, standing] : library_->catalog().suggestions(photo->id)) out << tag;
    } catch (const std::exception&) {
        // as tagsOf: the status bar reports a catalog that cannot be read
    }
    return out;
}

std::map<QString, int64_t> LibrarySession::suggestionCounts() const {
    if (!library_) return {};
    try {
        return library_->catalog().suggestionCounts();
    } catch (const std::exception&) {
        return {};  // as tagCounts
    }
}

std::optional<XmpSidecar::Style> LibrarySession::automaticSidecars() const {
    if (!library_) return std::nullopt;
    try {
        return library_->automaticSidecars();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

QString LibrarySession::setAutomaticSidecars(std::optional<XmpSidecar::Style> style) {
    return change([&](PhotoLibrary& l) { l.setAutomaticSidecars(style); },
                  tr("The sidecar setting could not be saved: %1"));
}

std::vector<SavedSearch> LibrarySession::savedSearches() const {
    if (!library_) return {};
    try {
        return library_->savedSearches();
    } catch (const std::exception&) {
        return {};  // a catalog that cannot be read says so where the photos are listed
    }
}

QString LibrarySession::saveSearch(const SavedSearch& search) {
    return change([&](PhotoLibrary& l) { l.saveSearch(search); }, tr("The search could not be saved: %1"));
}

QString LibrarySession::deleteSavedSearch(const QString& name) {
    return change([&](PhotoLibrary& l) { l.deleteSavedSearch(name); },
                  tr("The saved search could not be deleted: %1"));
}

std::vector<std::pair<QString, int64_t>> LibrarySession::tagCounts() const {
    if (!library_) return {};
    try {
        return library_->tagCounts();
    } catch (const std::exception&) {
        return {};  // a catalog that cannot be read now: no tags listed; the status bar reports the damage
    }
}

std::vector<std::pair<QString, int64_t>> LibrarySession::directoryCounts() const {
    if (!library_) return {};
    try {
        return library_->directoryCounts();
    } catch (const std::exception&) {
        return {};  // as tagCounts: the status bar reports a catalog that cannot be read
    }
}

QStringList LibrarySession::tagsOf(const QString& path) const {
    QStringList out;
    if (!library_) return out;
    try {
        const auto photo = library_->catalog().photoByPath(path);
        if (!photo) return out;
        for (const TagRecord& t : library_->catalog().tags(photo->id)) out << t.tag;
    } catch (const std::exception&) {
        // A catalog that cannot be read now: the viewer shows no tags; the status bar reports the damage.
    }
    out.sort(Qt::CaseInsensitive);
    out.removeDuplicates();
    return out;
}

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
