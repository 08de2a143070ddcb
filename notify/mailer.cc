#include "notify/mailer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace rapport::notify {
namespace fs = std::filesystem;

Result<std::string> FileMailer::send(const Envelope& envelope, const std::string& data) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot create folder: " + ec.message(), folder_,
                      "set [digest] output_dir to a writable folder");
  }
  std::string stem;
  for (char c : envelope.file_stem) {
    stem += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  }
  if (stem.empty()) stem = "message";
  fs::path final_path = fs::path(folder_) / (stem + ".eml");
  fs::path tmp_path = fs::path(folder_) / ("." + stem + ".eml.tmp");
  {
    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      fs::remove(tmp_path, ec);
      return make_error(ErrorCode::kIo, "cannot write the digest file", tmp_path.string(),
                        "is the disk full?");
    }
  }
  fs::rename(tmp_path, final_path, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot move the digest into place: " + ec.message(),
                      final_path.string());
  }
  return "file " + final_path.string();
}

}  // namespace rapport::notify
