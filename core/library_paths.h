#pragma once

#include <QString>

namespace photosearch {

// Where a person's library and model live unless they say otherwise.
struct LibraryPaths {
    // $PHOTOSEARCH_LIBRARY, else $XDG_DATA_HOME/photosearch (~/.local/share/photosearch).
    static QString defaultLibraryDir();
    // $PHOTOSEARCH_MODEL, else <data dir>/photosearch/models/kakaobrain--align-base.
    static QString defaultModelDir();
    // $XDG_DATA_HOME, else ~/.local/share.
    static QString dataHome();
    // $XDG_CACHE_HOME, else ~/.cache.
    static QString cacheHome();
};

}  // namespace photosearch
