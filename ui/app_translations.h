#pragma once

class QCoreApplication;

namespace photosearch {

// Installs the program's translation for the user's language, else the English one, which holds the plural
// forms of every "%n" string ("1 photo", "12 photos"). Once, in main() (and in tests of the window).
void installTranslations(QCoreApplication& app);

}  // namespace photosearch
