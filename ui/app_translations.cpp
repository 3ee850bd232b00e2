#include "app_translations.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTranslator>

namespace photosearch {

void installTranslations(QCoreApplication& app) {
    auto* translator = new QTranslator(&app);
    if (translator->load(QLocale(), QStringLiteral("photosearch"), QStringLiteral("_"),
                         QStringLiteral(":/i18n")) ||
        translator->load(QStringLiteral(":/i18n/photosearch_en.qm")))
        app.installTranslator(translator);
}

}  // namespace photosearch
