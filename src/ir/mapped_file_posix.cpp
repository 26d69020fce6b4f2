// map_file with open, fstat and mmap.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ir/errors.h"
#include "ir/mapped_file.h"

namespace zenith::ir {

MappedFile map_file(const std::filesystem::path& path) {
  const std::string file = path.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw_invalid_argument("{}: no such model file", file);
    throw_invalid_argument("{}: cannot open the file for reading: {}", file, std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw_invalid_argument("{}: not a regular file", file);
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return {};
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file open
  if (data == MAP_FAILED)
    throw_invalid_argument("{}: cannot map the file: {}", file, std::strerror(map_errno));
  std::shared_ptr<const void> owner(
      data, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  return {std::span(static_cast<const std::byte*>(data), size), std::move(owner)};
}

}  // namespace zenith::ir
