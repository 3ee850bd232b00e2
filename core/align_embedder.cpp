#include "align_embedder.h"

#include "blas_threads.h"
#include "cpu_sharing.h"
#include "memory_tuning.h"

#include "align_error.h"
#include "bf16_dense.h"
#include "model_weights.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QThread>

namespace photosearch {

Q_LOGGING_CATEGORY(lcCore, "photosearch.core", QtWarningMsg)

torch::Device AlignEmbedder::resolveDevice(const QString& name) {
    const QString n = name.trimmed().toLower();
    if (n.isEmpty() || n == QLatin1String("auto"))
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    if (n == QLatin1String("cpu")) return torch::kCPU;
    if (n == QLatin1String("cuda") || n.startsWith(QLatin1String("cuda:"))) {
        if (!torch::cuda::is_available())
            throw AlignError(
                "device " + name.toStdString() +
                ": CUDA is not available (this LibTorch build or this machine has no GPU); use cpu or auto");
        bool ok = true;
        const int index = n == QLatin1String("cuda") ? 0 : n.mid(5).toInt(&ok);
        if (!ok || index < 0 || index >= static_cast<int>(torch::cuda::device_count()))
            throw AlignError("device " + name.toStdString() + ": no such CUDA device");
        return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    throw AlignError("device " + name.toStdString() + ": expected auto, cpu, cuda or cuda:N");
}

bool AlignEmbedder::isaCapAllowsBFloat16(const QByteArray& cap) {
    // oneDNN's names (ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA); below AVX512_CORE_BF16 it has no bfloat16
    // kernels, and LibTorch then multiplies bfloat16 with its own slow loops.
    const QByteArray c = cap.trimmed().toUpper();
    return c.isEmpty() || c == "ALL" || c.startsWith("AVX512_CORE_BF16") || c.startsWith("AVX512_CORE_AMX");
}

namespace {

// The text half of the checkpoint: BERT and the projection of its first token.
bool isTextWeight(const std::string& name) {
    return name.rfind("text_model.", 0) == 0 || name.rfind("text_projection.", 0) == 0;
}

QByteArray oneDnnIsaCap() {
    return qEnvironmentVariableIsSet("ONEDNN_MAX_CPU_ISA") ? qgetenv("ONEDNN_MAX_CPU_ISA")
                                                           : qgetenv("DNNL_MAX_CPU_ISA");
}

}  // namespace

bool AlignEmbedder::cpuCanRunBFloat16() {
#if defined(__x86_64__) || defined(__i386__)
    const QByteArray c = oneDnnIsaCap().trimmed().toUpper();
    const bool capBelowAvx512 = c == "SSE41" || c == "AVX" || c == "AVX2" || c == "AVX2_VNNI";
    return !(capBelowAvx512 && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq"));
#else
    return true;
#endif
}

bool AlignEmbedder::cpuHasNativeBFloat16() {
#if defined(__x86_64__) || defined(__i386__)
    if (!isaCapAllowsBFloat16(oneDnnIsaCap())) return false;
    // Both compilers' checks include the operating system's support for the AVX-512 registers.
    return __builtin_cpu_supports("avx512bf16");  // CPUs with AMX have it too
#else
    return false;
#endif
}

int AlignEmbedder::applyThreads(int threads) {
    if (threads < 0)
        throw AlignError("threads must be 0 (one per core) or more, got " + std::to_string(threads));
    const int n = threads > 0 ? threads : std::max(1, QThread::idealThreadCount());
    torch::set_num_threads(n);
    blas::setThreads(n);
    return n;
}

int AlignEmbedder::shareCpusWithOtherPrograms() {
    if (!threadsAutomatic_ || !device_.is_cpu()) return threads_;
    // Decided at most twice a second, on the best of three looks a millisecond apart: a busy program is
    // runnable at every look, a passing one (a daemon waking up) is not, and one wrong look would cost the
    // batches that follow half their threads.
    if (sharingTimer_.isValid() && sharingTimer_.elapsed() < 500) return imageThreads_;
    sharingTimer_.start();
    int free = 0;
    for (int look = 0; look < 3 && free < threads_; ++look) {
        if (look) QThread::usleep(1000);
        free = std::max(free, cpu_sharing::cpusFreeFromOtherPrograms());
    }
    const int n = std::min(threads_, free);
    // OpenMP's thread count is per calling thread; the pool keeps its threads, asleep when not needed.
    if (n != torch::get_num_threads()) torch::set_num_threads(n);
    imageThreads_ = n;
    return n;
}

std::unique_ptr<AlignEmbedder> AlignEmbedder::load(const EmbedderOptions& options) {
    const QDir dir(options.modelDir);
    if (options.modelDir.isEmpty() || !QFileInfo(options.modelDir).isDir())
        throw ModelNotFoundError(options.modelDir.toStdString());
    if (!QFileInfo::exists(dir.filePath(QStringLiteral("config.json"))))
        throw ModelNotFoundError(options.modelDir.toStdString(), "the folder has no config.json");
    auto e = std::unique_ptr<AlignEmbedder>(new AlignEmbedder);
    e->device_ = resolveDevice(options.device);
    e->threads_ = applyThreads(options.threads);
    e->threadsAutomatic_ = options.threads == 0;
    e->imageThreads_ = e->threads_;
    e->config_ = AlignConfig::fromFile(dir.filePath(QStringLiteral("config.json")));
    e->tokenizer_ = std::make_unique<BertTokenizer>(BertTokenizer::fromFolder(options.modelDir));
    if (e->tokenizer_->vocabSize() != e->config_.text.vocabSize)
        throw AlignError(dir.filePath(QStringLiteral("vocab.txt")).toStdString() + ": has " +
                         std::to_string(e->tokenizer_->vocabSize()) +
                         " tokens, but config.json says vocab_size " +
                         std::to_string(e->config_.text.vocabSize));
    e->processor_ = std::make_unique<ImageProcessor>(ImageProcessor::fromFolder(options.modelDir));

    QElapsedTimer clock;
    clock.start();
    std::vector<qint64> laps;  // ms: module built, weights read, kernels laid out (for the log line below)
    auto weights = ModelWeights::openFolder(options.modelDir);
    e->weightsPath_ = weights->path();
    e->model_ = AlignModel(e->config_);
    laps.push_back(clock.restart());
    // The image half now; the text half is checked (names, shapes, types) but read by loadText().
    weights->loadInto(*e->model_, [](const std::string& name) { return !isTextWeight(name); });
    weights->checkFor(*e->model_, isTextWeight);
    laps.push_back(clock.restart());
    e->model_->eval();
    e->model_->visionModel->foldBatchNorms();  // 48 conv + batch norm pairs become 48 convolutions
    e->temperature_ = e->model_->temperature.item<float>();
    const QString precision =
        (options.precision.isEmpty() ? EmbedderOptions::defaultPrecision() : options.precision)
            .trimmed()
            .toLower();
    const bool cuda = e->device_.is_cuda();
    const bool textOnOneDnn =
        !cuda && DnnlTextEncoder::supports(e->config_.text) &&
        qEnvironmentVariable("PHOTOSEARCH_TEXT_ENGINE").trimmed().toLower() != QLatin1String("libtorch");
    // bfloat16 text weights multiply on oneDNN where the CPU has bfloat16 instructions, and with our AVX2
    // kernel (float32 rows, the weights widened in registers) where it has not.
    const bool widenedBf16 = textOnOneDnn && !cpuHasNativeBFloat16() && Bf16Dense::cpuSupported();
    bool bf16TextWeights = false;
    if (precision == QLatin1String("auto")) {
        if (cuda)
            e->dtype_ = torch::kHalf;
        else
            bf16TextWeights = cpuHasNativeBFloat16() || widenedBf16;
    } else if (precision == QLatin1String("float16")) {
        if (!cuda) throw AlignError("precision float16 needs a CUDA device; this one is " + e->device_.str());
        e->dtype_ = torch::kHalf;
    } else if (precision == QLatin1String("bfloat16")) {
        if (cuda)
            e->dtype_ = torch::kBFloat16;
        else
            bf16TextWeights = true;
    } else if (precision != QLatin1String("float32")) {
        throw AlignError("precision must be auto, float32, float16 or bfloat16, got " +
                         precision.toStdString());
    }
    if (bf16TextWeights && !widenedBf16 && !cpuCanRunBFloat16())
        throw AlignError(
            "precision bfloat16: oneDNN is limited to " + oneDnnIsaCap().toStdString() +
            " (ONEDNN_MAX_CPU_ISA), which has no bfloat16 kernels on this CPU; use float32 or auto, or "
            "allow AVX512_CORE or more");
    e->model_->to(e->device_, e->dtype_);
    e->textWeightType_ = bf16TextWeights ? torch::kBFloat16 : e->dtype_;
    if (!cuda && e->dtype_ == torch::kFloat32 && DnnlVisionTower::supports(*e->model_->visionModel) &&
        qEnvironmentVariable("PHOTOSEARCH_IMAGE_ENGINE").trimmed().toLower() != QLatin1String("libtorch")) {
        // The tower shares the weights' storage; the module's tensors are emptied so they are not kept twice.
        e->visionTower_ = std::make_unique<DnnlVisionTower>(*e->model_->visionModel);
        e->model_->visionModel->releaseWeights();
    }
    e->textOnOneDnn_ = textOnOneDnn && e->dtype_ == torch::kFloat32;
    if (e->textOnOneDnn_) {
        using Kernel = DnnlTextEncoder::Kernel;
        e->textKernel_ = !bf16TextWeights ? Kernel::Float32
                         : widenedBf16    ? Kernel::Bfloat16Avx2
                                          : Kernel::Bfloat16;
    }
    e->weights_ = std::move(weights);
    laps.push_back(clock.elapsed());
    // QT_LOGGING_RULES="photosearch.core.info=true" shows which kernels a run used on this CPU, and where
    // the load's time went.
    qCInfo(lcCore,
           "model %s on %s, %d threads, precision %s: image model %s%s, text weights %s%s (oneDNN cap %s); "
           "built in %lld ms, image weights read in %lld ms, laid out in %lld ms",
           qUtf8Printable(options.modelDir), e->device_.str().c_str(), e->threads_, qUtf8Printable(precision),
           c10::toString(e->dtype_), e->visionTower_ ? " on oneDNN" : " on LibTorch",
           c10::toString(e->textWeightType_),
           !e->textOnOneDnn_                                         ? " on LibTorch"
           : e->textKernel_ == DnnlTextEncoder::Kernel::Bfloat16Avx2 ? " widened on AVX2"
                                                                     : " on oneDNN",
           oneDnnIsaCap().isEmpty() ? "none" : oneDnnIsaCap().constData(), laps[0], laps[1], laps[2]);
    return e;
}

void AlignEmbedder::loadText() {
    if (textLoaded_.load(std::memory_order_acquire)) return;
    std::lock_guard lock(textLoadMutex_);
    if (textLoaded_.load(std::memory_order_relaxed)) return;
    QElapsedTimer clock;
    clock.start();
    weights_->requireUnchanged();
    weights_->loadInto(*model_, isTextWeight);
    const qint64 read = clock.restart();
    if (textOnOneDnn_) {
        // The dense weights are laid out once for oneDNN or packed for the AVX2 kernel (in bfloat16 where
        // chosen: 170 MB less memory for BERT-base); the module's own copies are released.
        textEncoder_ = std::make_unique<DnnlTextEncoder>(*model_, textKernel_);
        model_->textModel->releaseDenseWeights();
    } else if (textWeightType_ != dtype_) {
        // Replaces the float32 weights: 170 MB less memory for BERT-base.
        model_->storeTextDenseWeightsAs(textWeightType_);
    }
    weights_.reset();
    memory::releaseFreeMemory();  // the released weights sit below the allocator's trim threshold
    textLoaded_.store(true, std::memory_order_release);
    qCInfo(lcCore, "text model: weights read in %lld ms, laid out in %lld ms", read, clock.elapsed());
}

torch::Tensor AlignEmbedder::imageFeatures(const PixelValues* images, size_t count) {
    if (count == 0) return torch::empty({0, config_.projectionDim});
    const PixelValues& first = images[0];
    auto batch = torch::empty({static_cast<int64_t>(count), first.channels, first.height, first.width});
    for (size_t i = 0; i < count; ++i) {
        const PixelValues& p = images[i];
        if (p.channels != first.channels || p.height != first.height || p.width != first.width)
            throw AlignError("images in one batch must share a size");
        std::memcpy(batch[static_cast<int64_t>(i)].data_ptr<float>(), p.data.data(),
                    p.data.size() * sizeof(float));
    }
    {
        std::lock_guard lock(blasMutex_);
        ++imageCalls_;
        blas::setThreads(imageThreads_);
    }
    struct Done {
        AlignEmbedder* e;
        ~Done() {
            std::lock_guard lock(e->blasMutex_);
            --e->imageCalls_;
        }
    } done{this};
    torch::InferenceMode guard;
    if (visionTower_) return visionTower_->pooled(batch);
    // One transfer for the whole batch (pinned memory on CUDA makes it asynchronous).
    if (device_.is_cuda()) batch = batch.pin_memory();
    return model_->getImageFeatures(batch.to(device_, dtype_, /*non_blocking=*/true))
        .to(torch::kCPU, torch::kFloat32);
}

torch::Tensor AlignEmbedder::textFeatures(const std::vector<QString>& texts) {
    if (texts.empty()) return torch::empty({0, config_.projectionDim});
    const bool single = texts.size() == 1;
    if (single) {
        std::lock_guard lock(cacheMutex_);
        if (const auto it = textCacheIndex_.find(texts.front()); it != textCacheIndex_.end()) {
            textCache_.splice(textCache_.begin(), textCache_, it->second);
            return it->second->second.clone();
        }
    }
    // A single query's products through OpenBLAS (the projection, and all of BERT on LibTorch) are small: one
    // thread. More would also leave OpenBLAS's idle workers spinning for a while after the call, on the cores
    // the index's scan wants next (measured: the scan of 1,000,000 vectors took 35 ms instead of 18).
    if (single && device_.is_cpu()) {
        std::lock_guard lock(blasMutex_);
        if (imageCalls_ == 0) blas::setThreads(1);
    }
    loadText();
    const auto encodings = tokenizer_->encodeBatch(texts, BertTokenizer::Padding::Longest);
    const int64_t n = static_cast<int64_t>(encodings.size());
    const int64_t len = static_cast<int64_t>(encodings.front().inputIds.size());
    auto ids = torch::empty({n, len}, torch::kLong);
    auto mask = torch::empty({n, len}, torch::kLong);
    for (int64_t i = 0; i < n; ++i) {
        std::memcpy(ids[i].data_ptr<int64_t>(), encodings[i].inputIds.data(), len * sizeof(int64_t));
        std::memcpy(mask[i].data_ptr<int64_t>(), encodings[i].attentionMask.data(), len * sizeof(int64_t));
    }
    torch::Tensor features;
    {
        torch::InferenceMode guard;
        features =
            textEncoder_
                ? textEncoder_->features(ids, mask)
                : model_->getTextFeatures(ids.to(device_), mask.to(device_)).to(torch::kCPU, torch::kFloat32);
    }
    if (single) {
        std::lock_guard lock(cacheMutex_);
        if (!textCacheIndex_.count(texts.front())) {
            textCache_.emplace_front(texts.front(), features.clone());
            textCacheIndex_[texts.front()] = textCache_.begin();
            if (textCache_.size() > kTextCacheSize) {
                textCacheIndex_.erase(textCache_.back().first);
                textCache_.pop_back();
            }
        }
    }
    return features;
}

namespace {

std::vector<std::vector<float>> unitRows(const torch::Tensor& features) {
    const auto unit =
        (features / features.norm(2, -1, true).clamp_min(1e-12)).contiguous().to(torch::kFloat32);
    std::vector<std::vector<float>> out(static_cast<size_t>(unit.size(0)));
    const int64_t dim = unit.size(1);
    for (int64_t i = 0; i < unit.size(0); ++i) {
        const float* row = unit[i].data_ptr<float>();
        out[static_cast<size_t>(i)].assign(row, row + dim);
    }
    return out;
}

}  // namespace

int AlignEmbedder::preferredBatch() const {
    if (device_.is_cuda()) return 16;
    return visionTower_ ? 4 : 1;
}

std::vector<std::vector<float>> AlignEmbedder::imageEmbeddings(const std::vector<PixelValues>& images) {
    const auto batch = static_cast<size_t>(preferredBatch());
    if (images.size() == batch) return unitRows(imageFeatures(images));
    // Full batches, then on the CPU the rest one at a time: the tower keeps the plans of two shapes (a batch
    // and a single image), and a third would be built and dropped again at every call.
    std::vector<std::vector<float>> out;
    out.reserve(images.size());
    for (size_t from = 0; from < images.size();) {
        const size_t left = images.size() - from;
        const size_t n = left >= batch || device_.is_cuda() ? std::min(left, batch) : 1;
        for (auto& row : unitRows(imageFeatures(images.data() + from, n))) out.push_back(std::move(row));
        from += n;
    }
    return out;
}

std::vector<std::vector<float>> AlignEmbedder::textEmbeddings(const std::vector<QString>& texts) {
    return unitRows(textFeatures(texts));
}

torch::Tensor AlignEmbedder::logitsPerImage(const torch::Tensor& image, const torch::Tensor& text) const {
    torch::InferenceMode guard;
    const auto i = image / image.norm(2, -1, true);
    const auto t = text / text.norm(2, -1, true);
    return torch::matmul(i, t.t()) / temperature_;
}

}  // namespace photosearch
