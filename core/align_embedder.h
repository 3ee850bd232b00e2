#pragma once

#include "align_config.h"
#include "align_model.h"
#include "bert_tokenizer.h"
#include "dnnl_text_encoder.h"
#include "dnnl_vision_tower.h"
#include "image_processor.h"
#include "model_weights.h"

#include <QElapsedTimer>
#include <QString>

#include <torch/torch.h>

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace photosearch {

struct EmbedderOptions {
    QString modelDir;
    QString device = QStringLiteral("auto");  // auto, cpu, cuda, cuda:N
    int threads = 0;                          // 0: one per core
    // "auto": float16 on CUDA (tensor cores, half the memory traffic). On the CPU, bfloat16 weights for the
    // text model's dense layers: multiplied by oneDNN where the CPU has AVX512_BF16 (a single query streams
    // half the bytes and takes about a quarter of the time), widened to float32 in registers by our AVX2
    // kernel elsewhere (about half the time); float32 for everything else.
    // "float32" forces float32 everywhere (the reference's own arithmetic), "float16" needs CUDA,
    // "bfloat16" forces the bfloat16 text weights on the CPU (with PHOTOSEARCH_TEXT_ENGINE=libtorch and
    // without AVX512_BF16: slow) or the whole model in bfloat16 on CUDA.
    QString precision = defaultPrecision();  // empty means defaultPrecision() too

    // $PHOTOSEARCH_PRECISION, else "auto".
    static QString defaultPrecision() {
        return qEnvironmentVariable("PHOTOSEARCH_PRECISION", QStringLiteral("auto"));
    }
};

// A loaded ALIGN model folder (config.json, preprocessor_config.json, vocab.txt + tokenizer_config.json,
// model.safetensors or pytorch_model.bin) ready to embed, in inference mode on the chosen device.
// Results come back as float32 CPU tensors.
class AlignEmbedder {
  public:
    static std::unique_ptr<AlignEmbedder> load(const EmbedderOptions& options);

    // Raw get_image_features for preprocessed images, [N, projection_dim].
    torch::Tensor imageFeatures(const std::vector<PixelValues>& images) {
        return imageFeatures(images.data(), images.size());
    }
    // The same for `count` images from `images` on (a slice of a longer list, not copied).
    torch::Tensor imageFeatures(const PixelValues* images, size_t count);
    // Raw get_text_features, [N, projection_dim]; texts are truncated to the model's maximum length and
    // padded together (padding does not change the features). A single text is never padded, runs with
    // one BLAS thread unless images are being embedded at the same time, and its result is remembered
    // (the last kTextCacheSize queries: typing back and forth costs nothing).
    torch::Tensor textFeatures(const std::vector<QString>& texts);
    // The same, as the photo library takes them: one unit-length float vector per image or text (no tensor
    // leaves core/). Cosine similarity is then a dot product.
    std::vector<std::vector<float>> imageEmbeddings(const std::vector<PixelValues>& images);
    std::vector<std::vector<float>> textEmbeddings(const std::vector<QString>& texts);
    // How many images the image model runs fastest at a time: 16 on a GPU; 4 on the oneDNN tower (11.3
    // against 10.4 images/s one at a time, 2 threads, docs/performance.md); 1 on LibTorch's CPU module, which
    // is slower in batches. imageEmbeddings() runs a longer list in batches of this size.
    int preferredBatch() const;
    // logits_per_image for the given raw features, [images, texts] = cosine / temperature.
    torch::Tensor logitsPerImage(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures) const;

    const AlignConfig& config() const { return config_; }
    const BertTokenizer& tokenizer() const { return *tokenizer_; }
    const ImageProcessor& processor() const { return *processor_; }
    // The whole model, its text half read first if it has not been (see loadText()).
    AlignModel& model() {
        loadText();
        return model_;
    }
    // The text half of the model (BERT and the projection: 440 MB of the full-size model's 690) is read
    // from the weights file when a text is first embedded, not at load: indexing never needs it. This reads
    // it now (once; the file stays open until then). Thread-safe.
    void loadText();
    bool textLoaded() const { return textLoaded_.load(std::memory_order_acquire); }
    const torch::Device& device() const { return device_; }
    torch::ScalarType dtype() const { return dtype_; }
    // The type the text model's dense weights are stored in (bfloat16 or dtype()).
    torch::ScalarType textWeightType() const { return textWeightType_; }
    // Whether this CPU multiplies bfloat16 in hardware (AVX512_BF16) and oneDNN may use it: a cap set with
    // ONEDNN_MAX_CPU_ISA (or DNNL_MAX_CPU_ISA) below AVX512_CORE_BF16 makes "auto" behave as on an AVX2 CPU.
    static bool cpuHasNativeBFloat16();
    static bool isaCapAllowsBFloat16(const QByteArray& cap);
    // False only where bfloat16 would fail: LibTorch 1.13 sends bfloat16 products to oneDNN whenever the CPU
    // has AVX512BW/VL/DQ, and oneDNN capped below AVX-512 has no kernel for them (it throws from inside the
    // model). Precision bfloat16 is refused there with a message naming the cap.
    static bool cpuCanRunBFloat16();
    float temperature() const { return temperature_; }
    const QString& weightsPath() const { return weightsPath_; }
    // Whether images run through the oneDNN tower (CPU, float32; PHOTOSEARCH_IMAGE_ENGINE=libtorch turns it
    // off) rather than the LibTorch module.
    bool imageTowerOnOneDnn() const { return visionTower_ != nullptr; }
    // Whether texts run through the oneDNN text encoder (CPU, float32 activations, float32 or bfloat16
    // weights; PHOTOSEARCH_TEXT_ENGINE=libtorch turns it off) rather than the LibTorch module.
    bool textEncoderOnOneDnn() const { return textOnOneDnn_; }
    // How the text encoder's dense layers multiply, where textEncoderOnOneDnn().
    DnnlTextEncoder::Kernel textKernel() const { return textKernel_; }

    // "auto" picks CUDA when this LibTorch build and machine have it, else the CPU.
    static torch::Device resolveDevice(const QString& name);
    // 0 means one per core. LibTorch starts with one thread on some builds: always set it explicitly.
    static int applyThreads(int threads);
    // For the image batches that follow on the calling thread: the threads it was loaded with, or fewer
    // while other programs keep CPUs busy (one per CPU they leave free, at least one). Only when the count
    // was chosen automatically (threads 0); a count set explicitly stays. Returns the count now in use.
    int shareCpusWithOtherPrograms();

    static constexpr size_t kTextCacheSize = 256;

  private:
    AlignEmbedder() = default;

    AlignConfig config_;
    std::unique_ptr<BertTokenizer> tokenizer_;
    std::unique_ptr<ImageProcessor> processor_;
    AlignModel model_{nullptr};
    std::unique_ptr<DnnlVisionTower> visionTower_;  // the image model on oneDNN directly, where it runs
    DnnlTextEncoder::Kernel textKernel_ = DnnlTextEncoder::Kernel::Float32;
    std::unique_ptr<DnnlTextEncoder> textEncoder_;  // the text model on oneDNN directly, where it runs
    bool textOnOneDnn_ = false;                     // chosen at load, built by loadText()
    std::unique_ptr<ModelWeights> weights_;         // open until the text half is read
    std::mutex textLoadMutex_;
    std::atomic<bool> textLoaded_{false};
    torch::Device device_{torch::kCPU};
    torch::ScalarType dtype_ = torch::kFloat32;
    torch::ScalarType textWeightType_ = torch::kFloat32;
    float temperature_ = 1.0f;
    QString weightsPath_;
    int threads_ = 1;
    bool threadsAutomatic_ = true;
    std::atomic<int> imageThreads_{1};  // what shareCpusWithOtherPrograms() last chose
    QElapsedTimer sharingTimer_;        // since it last looked (it is called from one thread)

    std::mutex blasMutex_;
    int imageCalls_ = 0;  // image batches running now (they want every BLAS thread)

    std::mutex cacheMutex_;
    std::list<std::pair<QString, torch::Tensor>> textCache_;  // most recent first
    std::unordered_map<QString, std::list<std::pair<QString, torch::Tensor>>::iterator> textCacheIndex_;
};

}  // namespace photosearch
