// Mailer: delivers a composed message. FileMailer writes it as an .eml file; an SMTP
// mailer plugs in behind the same interface.
#pragma once

#include <string>

#include "core/result.h"

namespace rapport::notify {

struct Envelope {
  std::string from;  // bare addresses
  std::string to;
  std::string file_stem;  // a name for file-based delivery, e.g. "digest-2026-11-25"
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Delivers `data` (a whole RFC 5322 message). Returns where it went, in words ("file
  // /path/x.eml"). Fails with kIo or kNetwork; nothing counts as delivered then.
  virtual Result<std::string> send(const Envelope& envelope, const std::string& data) = 0;
};

// Writes STEM.eml in a folder (created when missing). The file appears whole or not at all:
// it is written beside and renamed into place. Writing the same stem again replaces it.
class FileMailer final : public Mailer {
 public:
  explicit FileMailer(std::string folder) : folder_(std::move(folder)) {}
  Result<std::string> send(const Envelope& envelope, const std::string& data) override;

 private:
  std::string folder_;
};

}  // namespace rapport::notify
