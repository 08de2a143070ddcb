// Source: one place listener data comes from, read from a stored cursor.
#pragma once

#include <string>
#include <string_view>

#include "core/model.h"
#include "core/result.h"

namespace rapport::ingest {

class Source {
 public:
  virtual ~Source() = default;

  virtual std::string_view kind() const = 0;        // "feed", "maildir"
  virtual const std::string& name() const = 0;      // as configured
  virtual const std::string& location() const = 0;  // URL or path, as configured

  // Reads what is new since `cursor` ("" on the first poll) and returns it with the cursor
  // that follows it. Never changes the source itself. A problem with one record becomes a
  // warning in the batch and the rest is read; the call fails (kIo, kNetwork, kParse) only
  // when nothing could be read, and then the stored cursor must not move.
  virtual Result<Batch> poll(const std::string& cursor) = 0;

  // Called once the batch from the last poll() is committed, for sources that change their
  // input only after its data is safe (a drop folder moves imported files to done/). A crash
  // before this call means the input is read again, and natural keys make that harmless.
  virtual void after_commit(const Batch& batch) { (void)batch; }
};

}  // namespace rapport::ingest
