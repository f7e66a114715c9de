// The cmsgpack and struct libraries in a bare Lua state: encodings pinned to the bytes Redis
// 7.0 produces (the integration test compares with a live redis-server), round trips and the
// error texts of malformed input.
#include <gtest/gtest.h>

#include <lua.hpp>
#include <string>

#include "server/lua_cmsgpack.h"
#include "server/lua_struct.h"

namespace cachet::server {
namespace {

class LuaLibsTest : public ::testing::Test {
 protected:
  LuaLibsTest() : L(luaL_newstate()) {
    luaL_openlibs(L);
    lua_pushcfunction(L, open_cmsgpack);
    lua_call(L, 0, 0);
    lua_pushcfunction(L, open_struct);
    lua_call(L, 0, 0);
  }
  ~LuaLibsTest() override { lua_close(L); }

  // The string the chunk (named "t") returns, tostring'd, or "ERR " and the error message.
  std::string run(const std::string& chunk) {
    if (luaL_loadbuffer(L, chunk.data(), chunk.size(), "=t") != 0 || lua_pcall(L, 0, 1, 0) != 0) {
      std::string err = std::string("ERR ") + lua_tostring(L, -1);
      lua_settop(L, 0);
      return err;
    }
    size_t len = 0;
    lua_getglobal(L, "tostring");
    lua_insert(L, -2);
    lua_call(L, 1, 1);
    const char* s = lua_tolstring(L, -1, &len);
    std::string out(s, len);
    lua_settop(L, 0);
    return out;
  }
  // The hex digits of the string `expr` evaluates to.
  std::string hex(const std::string& expr) {
    return run("local s = " + expr +
               " return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end))");
  }

  lua_State* L;
};

TEST_F(LuaLibsTest, PacksIntegersInTheSmallestForm) {
  EXPECT_EQ(hex("cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536)"),
            "007fcc80ccffcd0100cdffffce00010000");
  EXPECT_EQ(hex("cmsgpack.pack(4294967296)"), "cf0000000100000000");
  EXPECT_EQ(hex("cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769)"),
            "ffe0d0dfd080d1ff7fd18000d2ffff7fff");
  EXPECT_EQ(hex("cmsgpack.pack(-2147483649, -2^63)"), "d3ffffffff7fffffffd38000000000000000");
}

TEST_F(LuaLibsTest, PacksFloatsAsFloat32WhenExact) {
  EXPECT_EQ(hex("cmsgpack.pack(0.5)"), "ca3f000000");
  EXPECT_EQ(hex("cmsgpack.pack(0.1)"), "cb3fb999999999999a");
  EXPECT_EQ(hex("cmsgpack.pack(1/0, 2^63, -0.0)"), "ca7f800000ca5f00000000");
}

TEST_F(LuaLibsTest, PacksStringsArraysAndMapsWithTheirLengthForms) {
  EXPECT_EQ(hex("cmsgpack.pack('')"), "a0");
  EXPECT_EQ(hex("cmsgpack.pack(string.rep('a', 31)):sub(1, 1)"), "bf");
  EXPECT_EQ(hex("cmsgpack.pack(string.rep('a', 32)):sub(1, 2)"), "d920");
  EXPECT_EQ(hex("cmsgpack.pack(string.rep('a', 256)):sub(1, 3)"), "da0100");
  EXPECT_EQ(hex("cmsgpack.pack(string.rep('a', 65536)):sub(1, 5)"), "db00010000");
  EXPECT_EQ(hex("cmsgpack.pack({1, 2}, {}, {a = true}, {[2] = false})"), "9201029081a161c38102c2");
  EXPECT_EQ(hex("cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16}):sub(1, 3)"), "dc0010");
}

TEST_F(LuaLibsTest, TablesDeeperThanSixteenPackAsNil) {
  const std::string nest = "local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end ";
  EXPECT_EQ(run(nest + "local s = cmsgpack.pack(t) return #s .. ' ' .. s:byte(-1)"), "17 192");
  EXPECT_EQ(run(nest + "local u = cmsgpack.unpack(cmsgpack.pack(t)) "
                       "local d = 0 while type(u) == 'table' do d = d + 1 u = u[1] end return d"),
            "16");
}

TEST_F(LuaLibsTest, UnpackRoundTripsEveryType) {
  EXPECT_EQ(run("local a, b, c, d, e = cmsgpack.unpack(cmsgpack.pack(1.5, 'x', true, -7, {k = "
                "{1, 2}})) return a .. b .. tostring(c) .. d .. e.k[2]"),
            "1.5xtrue-72");
  EXPECT_EQ(run("return select('#', cmsgpack.unpack(cmsgpack.pack(nil, nil)))"), "2");
  EXPECT_EQ(run("return cmsgpack.unpack(string.char(0xcf, 255, 255, 255, 255, 255, 255, 255, "
                "255))"),
            "-1");
}

TEST_F(LuaLibsTest, UnpackOneAndLimitReturnTheNextOffset) {
  EXPECT_EQ(run("local o, v = cmsgpack.unpack_one(cmsgpack.pack(7, 8)) return o .. ':' .. v"),
            "1:7");
  EXPECT_EQ(run("local o, v = cmsgpack.unpack_one(cmsgpack.pack(7, 8), 1) return o .. ':' .. v"),
            "-1:8");
  EXPECT_EQ(run("local o, a, b = cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2) "
                "return o .. ':' .. a .. b"),
            "2:12");
  EXPECT_EQ(run("return cmsgpack.unpack_one('abc', 9)"),
            "ERR t:1: Start offset 9 greater than "
            "input length 3.");
}

TEST_F(LuaLibsTest, MalformedInputErrors) {
  EXPECT_EQ(run("return cmsgpack.unpack(string.char(0xcd, 1))"),
            "ERR t:1: Missing bytes in "
            "input.");
  EXPECT_EQ(run("return cmsgpack.unpack(string.char(0xc4, 1, 65))"),
            "ERR t:1: Bad data "
            "format in input.");
  EXPECT_EQ(run("return cmsgpack.unpack(string.char(0x81, 0xc0, 1))"), "ERR table index is nil");
  EXPECT_EQ(run("return cmsgpack.pack()"),
            "ERR t:1: bad argument #0 to 'pack' (MessagePack "
            "pack needs input.)");
}

TEST_F(LuaLibsTest, StructPacksIntegersInEitherByteOrder) {
  EXPECT_EQ(hex("struct.pack('>i2<I4', -2, 258)"), "fffe02010000");
  EXPECT_EQ(hex("struct.pack('>bBhHlLT', -1, 255, -1, 1, -1, 1, 2)"),
            "ffffffff0001ffffffffffffffff00000000000000010000000000000002");
  EXPECT_EQ(hex("struct.pack('<i16', -1)"), "ffffffffffffffff0000000000000000");
  EXPECT_EQ(hex("struct.pack('>I8>I8>i8', 2^64, 0/0, -0.5)"),
            "000000000000000080000000000000000000000000000000");
}

TEST_F(LuaLibsTest, StructAlignsCharsAndStrings) {
  EXPECT_EQ(hex("struct.pack('!4bi', 1, 2)"), "0100000002000000");
  EXPECT_EQ(hex("struct.pack('c3sc0x', 'abcd', 'e', 'fg')"), "6162636500666700");
  EXPECT_EQ(run("return struct.size('!8bdi2c5')"), "23");
  EXPECT_EQ(run("return struct.size('s')"),
            "ERR t:1: bad argument #1 to 'size' (option 's' has no fixed size)");
}

TEST_F(LuaLibsTest, StructUnpacksWhatItPacks) {
  EXPECT_EQ(run("local a, b, c, d, e, n = struct.unpack('>i3 d f s i1 c0', "
                "struct.pack('>i3 d f s i1', -5, 0.1, 0.5, 'hi', 2) .. 'xy') "
                "return a .. ' ' .. b .. ' ' .. c .. ' ' .. d .. ' ' .. e .. ' ' .. n"),
            "-5 0.1 0.5 hi xy 22");
  EXPECT_EQ(run("return struct.unpack('<i9', string.char(0, 0, 0, 0, 0, 0, 0, 128, 0))"), "-128");
  EXPECT_EQ(run("return struct.unpack('i4', 'abc')"),
            "ERR t:1: bad argument #2 to 'unpack' (data string too short)");
  EXPECT_EQ(run("return struct.unpack('b', 'a', 0)"),
            "ERR t:1: bad argument #3 to 'unpack' (offset must be 1 or greater)");
  EXPECT_EQ(run("return struct.pack('i33', 1)"),
            "ERR t:1: integral size 33 is larger than "
            "limit of 32");
  EXPECT_EQ(run("return struct.pack('z', 1)"),
            "ERR t:1: bad argument #1 to 'pack' (invalid format option 'z')");
}

}  // namespace
}  // namespace cachet::server
