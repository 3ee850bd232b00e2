#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <stdexcept>

#include <unistd.h>

namespace photosearch::test {

ProcessRun runProgram(const QString& program, const QStringList& args, const ProcessOptions& options) {
    QProcess p;
    p.setProcessEnvironment(options.env);
    if (options.childModifier) p.setChildProcessModifier(options.childModifier);
    QString prog = program;
    QStringList arguments = args;
    if (options.withoutRootPowers && geteuid() == 0) {
        arguments =
            QStringList{"--bounding-set", "-dac_override,-dac_read_search,-fowner", "--", program} + args;
        prog = QStringLiteral("setpriv");
    }
    p.start(prog, arguments);
    ProcessRun r;
    if (!p.waitForFinished(options.timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = QStringLiteral("%1 did not finish within %2 s").arg(program).arg(options.timeoutMs / 1000);
        return r;
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exitCode = r.crashed ? -1 : p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

ScopedEnv::ScopedEnv(const char* name, const QByteArray& value)
    : name_(name), had_(qEnvironmentVariableIsSet(name)), old_(qgetenv(name)) {
    if (value.isEmpty())
        qunsetenv(name);
    else
        qputenv(name, value);
}

ScopedEnv::~ScopedEnv() {
    if (had_)
        qputenv(name_, old_);
    else
        qunsetenv(name_);
}

QString dataPath(const QString& relative) {
    return QStringLiteral(PHOTOSEARCH_TEST_DATA) + QLatin1Char('/') + relative;
}

QJsonDocument readJson(const QString& relative) {
    QFile f(dataPath(relative));
    if (!f.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot open test data " + relative.toStdString());
    QJsonParseError error{};
    QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        throw std::runtime_error("bad JSON in " + relative.toStdString());
    return doc;
}

cv::Mat readRgb(const QString& relative) {
    const cv::Mat bgr =
        cv::imread(dataPath(relative).toStdString(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (bgr.empty()) throw std::runtime_error("cannot read test image " + relative.toStdString());
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

int maxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type()) return -1;
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    double maxVal = 0;
    cv::minMaxLoc(diff.reshape(1), nullptr, &maxVal);
    return static_cast<int>(maxVal);
}

QByteArray makeSafetensors(const std::vector<std::pair<std::string, RawTensor>>& tensors) {
    QJsonObject header;
    QByteArray data;
    for (const auto& [name, t] : tensors) {
        QJsonArray shape;
        for (int64_t d : t.shape) shape.append(static_cast<qint64>(d));
        header.insert(
            QString::fromStdString(name),
            QJsonObject{{"dtype", QString::fromStdString(t.dtype)},
                        {"shape", shape},
                        {"data_offsets", QJsonArray{static_cast<qint64>(data.size()),
                                                    static_cast<qint64>(data.size() + t.bytes.size())}}});
        data += t.bytes;
    }
    const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    QByteArray out;
    for (int i = 0; i < 8; ++i) out.append(static_cast<char>((quint64(json.size()) >> (8 * i)) & 0xFF));
    return out + json + data;
}

namespace {
void putLe(QByteArray& b, quint64 v, int bytes) {
    for (int i = 0; i < bytes; ++i) b.append(static_cast<char>((v >> (8 * i)) & 0xFF));
}
}  // namespace

QByteArray makeStoredZip(const std::vector<std::pair<QString, QByteArray>>& records) {
    QByteArray out, directory;
    for (const auto& [name, data] : records) {
        const QByteArray n = name.toUtf8();
        const quint64 offset = static_cast<quint64>(out.size());
        putLe(out, 0x04034b50, 4);
        putLe(out, 20, 2);
        putLe(out, 0, 2);
        putLe(out, 0, 2);  // sig, version, flags, stored
        putLe(out, 0, 4);
        putLe(out, 0, 4);  // time/date, crc (unchecked)
        putLe(out, data.size(), 4);
        putLe(out, data.size(), 4);
        putLe(out, n.size(), 2);
        putLe(out, 0, 2);
        out += n + data;
        putLe(directory, 0x02014b50, 4);
        putLe(directory, 20, 2);
        putLe(directory, 20, 2);
        putLe(directory, 0, 2);
        putLe(directory, 0, 2);
        putLe(directory, 0, 4);
        putLe(directory, 0, 4);
        putLe(directory, data.size(), 4);
        putLe(directory, data.size(), 4);
        putLe(directory, n.size(), 2);
        putLe(directory, 0, 2);
        putLe(directory, 0, 2);
        putLe(directory, 0, 2);
        putLe(directory, 0, 2);
        putLe(directory, 0, 4);
        putLe(directory, offset, 4);
        directory += n;
    }
    const quint64 dirOffset = static_cast<quint64>(out.size());
    out += directory;
    putLe(out, 0x06054b50, 4);
    putLe(out, 0, 2);
    putLe(out, 0, 2);
    putLe(out, records.size(), 2);
    putLe(out, records.size(), 2);
    putLe(out, directory.size(), 4);
    putLe(out, dirOffset, 4);
    putLe(out, 0, 2);
    return out;
}

void copyFolder(const QString& from, const QString& to) {
    QDir().mkpath(to);
    const QDir source(from);
    for (const QString& name : source.entryList(QDir::Files)) {
        const QString target = QDir(to).filePath(name);
        QFile::remove(target);
        if (!QFile::copy(source.filePath(name), target))
            throw std::runtime_error("cannot copy " + name.toStdString());
        QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner);
    }
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + path.toStdString());
    return f.readAll();
}

QStringList makePhotos(const QString& dir, int variant) {
    QDir().mkpath(dir);
    QStringList paths;
    for (const char* name :
         {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "gray.png", "wide.jpg"}) {
        cv::Mat bgr = cv::imread(dataPath(QStringLiteral("align-tiny/expected/images/") + name).toStdString(),
                                 cv::IMREAD_COLOR);
        bgr += cv::Scalar(variant * 7, variant * 3, variant * 5);
        const QString base = QString::fromLatin1(name).section(QLatin1Char('.'), 0, 0);
        const QString jpg = dir + QLatin1Char('/') + base + QStringLiteral(".jpg");
        cv::imwrite(jpg.toStdString(), bgr, {cv::IMWRITE_JPEG_QUALITY, 92});
        cv::Mat flipped;
        cv::flip(bgr, flipped, 1);
        const QString png = dir + QLatin1Char('/') + base + QStringLiteral("-mirror.png");
        cv::imwrite(png.toStdString(), flipped);
        paths << jpg << png;
    }
    return paths;
}

QByteArray jpegWithOrientation(const cv::Mat& rgb, int orientation) {
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> encoded;
    cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, 95});
    // Little-endian TIFF: header, IFD0 with one SHORT entry (0x0112), no next IFD.
    QByteArray tiff("II*\0\x08\0\0\0", 8);
    tiff += QByteArray("\x01\x00", 2);                               // one entry
    tiff += QByteArray("\x12\x01\x03\x00\x01\x00\x00\x00", 8);       // tag, SHORT, count 1
    tiff += QByteArray(1, char(orientation)) + QByteArray(3, '\0');  // value
    tiff += QByteArray(4, '\0');                                     // next IFD
    const QByteArray payload = QByteArray("Exif\0\0", 6) + tiff;
    const int length = payload.size() + 2;
    QByteArray app1("\xFF\xE1", 2);
    app1 += char(length >> 8);
    app1 += char(length & 0xFF);
    app1 += payload;
    QByteArray out(reinterpret_cast<const char*>(encoded.data()), 2);
    out += app1;
    out += QByteArray(reinterpret_cast<const char*>(encoded.data()) + 2,
                      static_cast<qsizetype>(encoded.size() - 2));
    return out;
}

namespace {
void put16(QByteArray& b, int v) { b += char(v & 0xFF), b += char((v >> 8) & 0xFF); }
void put32(QByteArray& b, uint32_t v) { put16(b, int(v & 0xFFFF)), put16(b, int(v >> 16)); }
QByteArray encodeJpeg(const cv::Mat& rgb) {
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> encoded;
    cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, 95});
    return QByteArray(reinterpret_cast<const char*>(encoded.data()), static_cast<qsizetype>(encoded.size()));
}
}  // namespace

QByteArray jpegWithExif(const cv::Mat& rgb, const ExifFields& fields) {
    // Little-endian TIFF: header; IFD0 with Make, Model (ASCII, stored after the IFD) and Orientation; IFD1
    // with the thumbnail's offset and length, followed by the thumbnail's bytes.
    struct Entry {
        int tag, type;
        uint32_t count;
        QByteArray data;  // stored after the IFD when longer than 4 bytes
    };
    std::vector<Entry> entries;
    if (!fields.make.isEmpty())
        entries.push_back({0x010F, 2, uint32_t(fields.make.size() + 1), fields.make + '\0'});
    if (!fields.model.isEmpty())
        entries.push_back({0x0110, 2, uint32_t(fields.model.size() + 1), fields.model + '\0'});
    QByteArray orientation;
    put16(orientation, fields.orientation);
    entries.push_back({0x0112, 3, 1, orientation});
    const uint32_t ifd0Size = 2 + 12 * uint32_t(entries.size()) + 4;
    uint32_t dataAt = 8 + ifd0Size;
    QByteArray ifd, data;
    put16(ifd, int(entries.size()));
    for (const Entry& e : entries) {
        put16(ifd, e.tag), put16(ifd, e.type), put32(ifd, e.count);
        if (e.data.size() <= 4) {
            ifd += e.data + QByteArray(4 - int(e.data.size()), '\0');
        } else {
            put32(ifd, dataAt + uint32_t(data.size()));
            data += e.data;
        }
    }
    const uint32_t ifd1At = fields.thumbnail.isEmpty() ? 0 : dataAt + uint32_t(data.size());
    put32(ifd, ifd1At);
    QByteArray tiff("II*\0\x08\0\0\0", 8);
    tiff += ifd + data;
    if (ifd1At != 0) {
        put16(tiff, 2);
        put16(tiff, 0x0201), put16(tiff, 4), put32(tiff, 1), put32(tiff, ifd1At + 30);
        put16(tiff, 0x0202), put16(tiff, 4), put32(tiff, 1), put32(tiff, uint32_t(fields.thumbnail.size()));
        put32(tiff, 0);
        tiff += fields.thumbnail;
    }
    const QByteArray payload = QByteArray("Exif\0\0", 6) + tiff;
    const int length = int(payload.size()) + 2;
    QByteArray app1("\xFF\xE1", 2);
    app1 += char(length >> 8);
    app1 += char(length & 0xFF);
    app1 += payload;
    const QByteArray encoded = encodeJpeg(rgb);
    return encoded.left(2) + app1 + encoded.mid(2);
}

QByteArray plainJpeg(const cv::Mat& rgb) { return encodeJpeg(rgb); }

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
        throw std::runtime_error("cannot write " + path.toStdString());
}

}  // namespace photosearch::test
