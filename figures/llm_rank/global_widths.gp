# global_widths: drawn by `gnuplot global_widths.gp` from global_widths.dat; edit freely and re-run.
# 6in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'global_widths.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set title "up_proj rows kept per layer at 30 % (wpr)" noenhanced
set key below center horizontal maxcols 1 reverse Left nobox height 1
set xlabel "layer" noenhanced
set ylabel "mlp.up_proj rows kept" noenhanced
plot 'global_widths.dat' index 0 using 1:2 title "global @ 0.3" noenhanced with linespoints lc rgb '#6F3100' dt 1 pt 7 ps 0.8, \
     'global_widths.dat' index 1 using 1:2 title "global(balance: width) @ 0.3" noenhanced with linespoints lc rgb '#FFA056' dt 2 pt 7 ps 0.8
set terminal svg size 432,288 enhanced font 'Sans,10' linewidth 1
set output 'global_widths.svg'
replot
unset output
